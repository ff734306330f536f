"""Offline text analysis: pure functions over message text (no database, no I/O).

``clean`` (normalisation and learnt boilerplate), ``language`` (ISO 639-1), ``summary``
(extractive), ``keyphrases``, ``entities`` (typed, with confidence) and ``noise``
(advertising, greetings, one-liners, media only). ``words`` holds the shared tokeniser and
the Russian and English stopwords.
"""
