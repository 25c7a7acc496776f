"""Deliveries held back before 0013 name their busy service only in `last_error`: copy it to `held_by`.

Going back, each held delivery's `last_error` says again which service held it (the old code found
them by that text), in the words busy_services.held_note used, should a later error have replaced it.
"""

from django.db import migrations

PREFIX = "Held back: "
ANSWERED = " answered 429 or 503"
WAITING = ("queued", "sending")


def held_by_from_last_error(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    rows = Delivery.objects.filter(status__in=WAITING, last_error__startswith=PREFIX, held_by__isnull=True)
    for delivery in rows.only("pk", "last_error").iterator():
        service, answered, _ = delivery.last_error.removeprefix(PREFIX).partition(ANSWERED)
        if answered and service:
            Delivery.objects.filter(pk=delivery.pk).update(held_by=service)


def last_error_from_held_by(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    rows = Delivery.objects.filter(status__in=WAITING, held_by__isnull=False).exclude(last_error__startswith=PREFIX)
    for delivery in rows.only("pk", "held_by", "not_before").iterator():
        until = "" if delivery.not_before is None else f" before {delivery.not_before:%Y-%m-%d %H:%M:%S} UTC"
        note = f"{PREFIX}{delivery.held_by}{ANSWERED}; not asked again{until}."
        Delivery.objects.filter(pk=delivery.pk).update(last_error=note[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0013_delivery_held_by"),
    ]

    operations = [
        migrations.RunPython(held_by_from_last_error, last_error_from_held_by),
    ]
