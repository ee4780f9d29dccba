"""Data access behind the GraphQL types: loaders, one module per domain, and pagination."""
