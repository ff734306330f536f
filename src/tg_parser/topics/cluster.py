"""Clustering of document vectors: PCA to a few dozen dimensions, then HDBSCAN.

Up to ``DIRECT_LIMIT`` points HDBSCAN runs on the points themselves. Beyond that, the PCA
is fitted on a seeded sample of ``DIRECT_LIMIT`` points, a few rounds of spherical k-means
(seeded random centres, one matrix product per round) compress the points into
micro-clusters of about ``POINTS_PER_CENTRE``, HDBSCAN groups the micro-cluster centres,
and every point takes the label of its centre — this keeps 100,000 documents well within
a minute on two cores. Everything is seeded: same input, same labels.
"""

from __future__ import annotations

import numpy as np

from tg_parser.embed import normalise

DIRECT_LIMIT = 8000
POINTS_PER_CENTRE = 50
KMEANS_ROUNDS = 4
NOISE = -1
_CHUNK = 8192


def reduce(vectors: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    """Project onto the top principal components and re-normalise (cosine geometry); beyond
    ``DIRECT_LIMIT`` rows the components are those of a seeded sample of that many rows."""
    count, width = vectors.shape
    components = min(dimensions, count - 1, width)
    if components < 2:
        return vectors
    from sklearn.decomposition import PCA  # scikit-learn loads in ~1 s: only when clustering

    solver = "randomized" if count > DIRECT_LIMIT else "full"
    pca = PCA(n_components=components, random_state=seed, svd_solver=solver)
    if count > DIRECT_LIMIT:
        sample = np.random.default_rng(seed).choice(count, DIRECT_LIMIT, replace=False)
        pca.fit(vectors[np.sort(sample)])
        return normalise(pca.transform(vectors))
    return normalise(pca.fit_transform(vectors))


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
    centres, nearest = micro_clusters(points, count // POINTS_PER_CENTRE, seed)
    centre_labels = _hdbscan(centres, 2, 1)
    return np.asarray(centre_labels[nearest])


def micro_clusters(points: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means from ``count`` seeded random points, ``KMEANS_ROUNDS`` rounds: the
    normalised centres (empty ones dropped) and each point's nearest centre."""
    start = np.random.default_rng(seed).choice(len(points), count, replace=False)
    centres = points[np.sort(start)]
    nearest = _nearest(points, centres)
    for _ in range(KMEANS_ROUNDS):
        sums = np.zeros_like(centres)
        np.add.at(sums, nearest, points)
        used = np.flatnonzero(np.bincount(nearest, minlength=len(centres)))
        centres = normalise(sums[used])
        nearest = _nearest(points, centres)
    return centres, nearest


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The index of each point's most similar centre (chunked matrix products)."""
    parts = [
        np.argmax(points[start : start + _CHUNK] @ centres.T, axis=1)
        for start in range(0, len(points), _CHUNK)
    ]
    return np.concatenate(parts)


def _hdbscan(points: np.ndarray, min_cluster_size: int, min_samples: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True)
    return np.asarray(model.fit_predict(points))
