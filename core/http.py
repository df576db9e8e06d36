# RFC 9110 §9.2.1: the methods that only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
