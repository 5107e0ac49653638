from django.db import migrations

STAGES = [
    # name, probability, won, lost, stale after days
    ("Enquiry", 10, False, False, 3),
    ("Conversation", 25, False, False, 7),
    ("Proposal", 50, False, False, 10),
    ("Negotiation", 75, False, False, 10),
    ("Won", 100, True, False, None),
    ("Lost", 0, False, True, None),
]
WON_REASONS = ["Right expertise", "Referral trust", "Price", "Speed of response", "Other"]
LOST_REASONS = [
    "Price",
    "Chose a competitor",
    "No budget",
    "Bad timing",
    "Went quiet",
    "Not a fit",
    "Other",
]


def create_defaults(apps, schema_editor):
    Stage = apps.get_model("sales", "Stage")
    OutcomeReason = apps.get_model("sales", "OutcomeReason")
    if not Stage.objects.exists():
        Stage.objects.bulk_create(
            Stage(
                name=name,
                position=position,
                probability=probability,
                is_won=won,
                is_lost=lost,
                stale_after_days=stale,
            )
            for position, (name, probability, won, lost, stale) in enumerate(STAGES)
        )
    if not OutcomeReason.objects.exists():
        OutcomeReason.objects.bulk_create(
            [OutcomeReason(outcome="won", label=label, position=i) for i, label in enumerate(WON_REASONS)]
            + [OutcomeReason(outcome="lost", label=label, position=i) for i, label in enumerate(LOST_REASONS)]
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
