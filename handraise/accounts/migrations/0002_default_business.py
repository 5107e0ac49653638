from datetime import time

from django.db import migrations


def create_defaults(apps, schema_editor):
    BusinessSettings = apps.get_model("accounts", "BusinessSettings")
    BusinessHours = apps.get_model("accounts", "BusinessHours")
    BusinessSettings.objects.get_or_create(pk=1)
    if not BusinessHours.objects.exists():
        BusinessHours.objects.bulk_create(
            BusinessHours(weekday=day, opens=time(9, 0), closes=time(17, 30)) for day in range(5)
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
