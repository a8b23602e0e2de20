"""Full-text search over lectures and questions: Vietnamese analysis and a whoosh-backed index."""
