from tortoise import migrations
from tortoise.migrations import operations as ops

# Partial unique indexes (same SQL on SQLite and PostgreSQL) that hold the claim rules even
# against a race: an author has at most one approved claimant, and a user at most one active
# claim. Tortoise's model Meta cannot express a partial index, hence RunSQL.


class Migration(migrations.Migration):
    dependencies = [('models', '0002_author_metrics_from_openalex')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE UNIQUE INDEX claim_one_approved_per_author ON claim (author_id)"
                " WHERE status IN ('CLAIMED', 'VERIFIED')",
                "CREATE UNIQUE INDEX claim_one_active_per_user ON claim (user_id)"
                " WHERE status IN ('PENDING', 'CLAIMED', 'VERIFIED')",
                "CREATE INDEX invitation_author_id ON invitation (author_id, id)",
            ],
            reverse_sql=[
                "DROP INDEX claim_one_approved_per_author",
                "DROP INDEX claim_one_active_per_user",
                "DROP INDEX invitation_author_id",
            ],
        ),
    ]
