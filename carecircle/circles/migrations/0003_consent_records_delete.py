"""Deleting record entries became its own capability: helpers who could write keep deleting."""

from django.db import migrations


def grant_delete_to_writing_helpers(apps, schema_editor):
    Circle = apps.get_model("circles", "Circle")
    for circle in Circle.objects.exclude(consent={}).iterator():
        granted = circle.consent.get("helper")
        if granted is not None and "records.write" in granted and "records.delete" not in granted:
            circle.consent = {**circle.consent, "helper": sorted([*granted, "records.delete"])}
            circle.save(update_fields=["consent"])


def take_delete_away(apps, schema_editor):
    Circle = apps.get_model("circles", "Circle")
    for circle in Circle.objects.exclude(consent={}).iterator():
        changed = {role: [key for key in keys if key != "records.delete"] for role, keys in circle.consent.items()}
        if changed != circle.consent:
            circle.consent = changed
            circle.save(update_fields=["consent"])


class Migration(migrations.Migration):
    dependencies = [("circles", "0002_circle_closing")]

    operations = [migrations.RunPython(grant_delete_to_writing_helpers, take_delete_away)]
