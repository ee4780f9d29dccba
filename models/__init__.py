"""Tortoise models, one module per domain.

The migrations in `models/migrations` are generated from these with Tortoise's own tool:
`tortoise -c settings.TORTOISE_ORM makemigrations`.
"""
