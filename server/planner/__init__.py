"""The planner: any read document → one SQL statement per root field → the response.

tree.py turns the document into a tree of selections with each field's declaration (cached
per document, operation and @include/@skip values); sql.py turns the tree into SQL for
PostgreSQL or SQLite; shape.py builds the response from the rows with the resolvers' own
builders; run.py ties them together and falls back to graphql-core's executor for anything
not covered. docs/architecture.md describes it.
"""

from server.planner.run import Planner, Written, run_planned

__all__ = ["Planner", "Written", "run_planned"]
