"""Clustering of document vectors: PCA to a few dozen dimensions, then HDBSCAN.

Up to ``DIRECT_LIMIT`` points HDBSCAN runs on the points themselves. Beyond that, a
mini-batch k-means first compresses the points into micro-clusters, HDBSCAN groups the
micro-cluster centres, and every point takes the label of its centre — this keeps 100,000
documents within a minute on two cores. Everything is seeded: same input, same labels.
"""

from __future__ import annotations

import numpy as np

from tg_parser.embed import normalise

DIRECT_LIMIT = 8000
POINTS_PER_CENTRE = 50
NOISE = -1


def reduce(vectors: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    """Project onto the top principal components and re-normalise (cosine geometry)."""
    count, width = vectors.shape
    components = min(dimensions, count - 1, width)
    if components < 2:
        return vectors
    from sklearn.decomposition import PCA  # scikit-learn loads in ~1 s: only when clustering

    solver = "randomized" if count > DIRECT_LIMIT else "full"
    reduced = PCA(n_components=components, random_state=seed, svd_solver=solver).fit_transform(
        vectors
    )
    return normalise(reduced)


def cluster_labels(
    vectors: np.ndarray,
    *,
    min_cluster_size: int,
    min_samples: int,
    dimensions: int,
    seed: int,
) -> np.ndarray:
    """A cluster label per row (``NOISE`` for rows in no cluster)."""
    count = len(vectors)
    if count < max(min_cluster_size, 3):
        return np.full(count, NOISE)
    points = reduce(vectors, dimensions, seed)
    if count <= DIRECT_LIMIT:
        return _hdbscan(points, min_cluster_size, min_samples)
    from sklearn.cluster import MiniBatchKMeans

    kmeans = MiniBatchKMeans(
        n_clusters=count // POINTS_PER_CENTRE,
        random_state=seed,
        batch_size=4096,
        n_init=1,
        max_iter=10,
    ).fit(points)
    centre_labels = _hdbscan(normalise(kmeans.cluster_centers_), 2, 1)
    return np.asarray(centre_labels[kmeans.labels_])


def _hdbscan(points: np.ndarray, min_cluster_size: int, min_samples: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True)
    return np.asarray(model.fit_predict(points))
