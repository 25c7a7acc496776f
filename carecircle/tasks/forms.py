"""Forms for the tasks pages. They check what people typed; the services apply the rules."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.circles.forms import ClientIdField, DateInput, Radios, _with_client_id
from carecircle.lib.repeat_rule import Frequency, Rule, Weekday
from carecircle.tasks.models import CATEGORY_DETAILS, Category, Task
from carecircle.tasks.services import MAX_PEOPLE, TaskFields

WEEKDAY_NAMES = {
    Weekday.MO: "Monday",
    Weekday.TU: "Tuesday",
    Weekday.WE: "Wednesday",
    Weekday.TH: "Thursday",
    Weekday.FR: "Friday",
    Weekday.SA: "Saturday",
    Weekday.SU: "Sunday",
}
REPEAT_CHOICES = [
    ("", "Doesn't repeat"),
    (Frequency.DAILY.value, gettext_lazy("Every day")),
    (Frequency.WEEKLY.value, gettext_lazy("Every week")),
    (Frequency.MONTHLY.value, gettext_lazy("Every month")),
]
ENDS_CHOICES = [
    ("never", gettext_lazy("Keeps going")),
    ("until", gettext_lazy("Until a date")),
    ("count", gettext_lazy("After a number of times")),
]
SCOPE_CHOICES = [
    ("one", gettext_lazy("Only this one (its date and time)")),
    ("following", gettext_lazy("This one and the ones after it")),
    ("all", gettext_lazy("Every time it happens")),
]
DETAIL_FIELDS = sorted({name for details in CATEGORY_DETAILS.values() for name in details})
DETAIL_LABELS = {name: label for details in CATEGORY_DETAILS.values() for name, label in details.items()}


def _detail_hint(name: str) -> str:
    # The kinds as the "Kind of help" list names them, after a label: one reads as naturally as several.
    kinds = ", ".join(str(Category(c).label) for c, d in CATEGORY_DETAILS.items() if name in d)
    # Translators: the hint under a detail of a task, naming the kinds of help it is asked for, as in
    # "Kind of help: Lift." or "Kind of help: Lift, Appointment."; "Kind of help" is the form's field.
    return _("Kind of help: %(kinds)s.") % {"kinds": kinds}


DETAIL_HINTS = {name: lazy(_detail_hint, str)(name) for name in DETAIL_FIELDS}


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class TaskForm(forms.Form):
    title = forms.CharField(
        max_length=120, label=gettext_lazy("What's needed"), help_text=gettext_lazy('For example "Lift to hospital".')
    )
    category = forms.ChoiceField(choices=Category.choices, initial=Category.OTHER, label=gettext_lazy("Kind of help"))
    date = forms.DateField(widget=DateInput(), label=gettext_lazy("Date"))
    start_time = forms.TimeField(
        required=False,
        widget=TimeInput(),
        label=gettext_lazy("Start time"),
        help_text=gettext_lazy("Leave empty for something that takes all day."),
    )
    end_time = forms.TimeField(required=False, widget=TimeInput(), label=gettext_lazy("End time"))
    address = forms.CharField(max_length=300, required=False, label=gettext_lazy("Where"))
    people_needed = forms.IntegerField(
        min_value=1, max_value=MAX_PEOPLE, initial=1, label=gettext_lazy("How many people are needed")
    )
    notes = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Notes")
    )
    private = forms.BooleanField(
        required=False,
        label=gettext_lazy("Private"),
        help_text=gettext_lazy("Only organisers and the person being helped will see it."),
    )
    repeat = forms.ChoiceField(choices=REPEAT_CHOICES, required=False, label=gettext_lazy("Repeats"))
    interval = forms.IntegerField(
        min_value=1, max_value=365, initial=1, label=gettext_lazy("Every how many days, weeks or months")
    )
    weekdays = forms.MultipleChoiceField(
        choices=[(day.value, name) for day, name in WEEKDAY_NAMES.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("On these days (weekly only)"),
    )
    ends = forms.ChoiceField(choices=ENDS_CHOICES, initial="never", widget=Radios, label=gettext_lazy("Ends"))
    until = forms.DateField(required=False, widget=DateInput(), label=gettext_lazy("Last date"))
    count = forms.IntegerField(required=False, min_value=1, max_value=500, label=gettext_lazy("How many times"))
    client_id = ClientIdField()

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        for name in DETAIL_FIELDS:
            self.fields[name] = forms.CharField(
                max_length=500, required=False, label=DETAIL_LABELS[name], help_text=DETAIL_HINTS[name]
            )
        _with_client_id(self)

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in DETAIL_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start is None and end is not None:
            self.add_error("start_time", _("Give a start time too, or leave both times empty for all day."))
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        if data.get("repeat"):
            try:
                data["rule"] = self._rule(data)
            except ValueError as error:
                self.add_error("repeat", str(error))
        if data.get("ends") == "until" and data.get("repeat") and not data.get("until"):
            self.add_error("until", _("Give the last date, or choose another way for it to end."))
        if data.get("ends") == "count" and data.get("repeat") and not data.get("count"):
            self.add_error("count", _("Say how many times, or choose another way for it to end."))
        return data

    def _rule(self, data: dict[str, Any]) -> Rule:
        frequency = Frequency(data["repeat"])
        weekdays = tuple(Weekday(day) for day in data.get("weekdays") or ()) if frequency is Frequency.WEEKLY else ()
        ends = data.get("ends")
        return Rule(
            frequency,
            interval=data.get("interval") or 1,
            weekdays=weekdays,
            until=data.get("until") if ends == "until" else None,
            count=data.get("count") if ends == "count" else None,
        )

    def task_fields(self) -> TaskFields:
        data = self.cleaned_data
        start, end = data.get("start_time"), data.get("end_time")
        if start is None:
            minutes = 24 * 60
        elif end is None:
            minutes = 60
        else:
            minutes = (
                datetime.datetime.combine(datetime.date.min, end) - datetime.datetime.combine(datetime.date.min, start)
            ).seconds // 60
        return TaskFields(
            title=data["title"],
            category=data["category"],
            notes=data.get("notes") or "",
            details={name: data.get(name) or "" for name in DETAIL_FIELDS},
            start_date=data["date"],
            start_time=start,
            duration_minutes=minutes,
            time_zone=self.time_zone,
            rule=data.get("rule"),
            address=data.get("address") or "",
            people_needed=data["people_needed"],
            private=bool(data.get("private")),
        )


def initial_for(task: Task, on: datetime.date) -> dict[str, Any]:
    """The form's values for editing a task from the occurrence on `on`."""
    rule = Rule.parse(task.rule) if task.rule else None
    end_time = None
    if task.start_time is not None:
        end_time = (task.start_local + task.duration).time()
    initial: dict[str, Any] = {
        "title": task.title,
        "category": task.category,
        "date": on,
        "start_time": task.start_time,
        "end_time": end_time,
        "address": task.address,
        "people_needed": task.people_needed,
        "notes": task.notes,
        "private": task.private,
        "repeat": rule.frequency.value if rule else "",
        "interval": rule.interval if rule else 1,
        "weekdays": [day.value for day in rule.weekdays] if rule else [],
        "ends": "until" if rule and rule.until else "count" if rule and rule.count else "never",
        "until": rule.until if rule else None,
        "count": rule.count if rule else None,
        **task.details,
    }
    return initial


class ScopeForm(forms.Form):
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES, initial="one", widget=Radios, label=gettext_lazy("Change which ones?")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Optional. Everyone going will see it."),
    )


class DoneForm(forms.Form):
    """ "Done?": who went (asked only when nobody was down for it) and how it went."""

    who_went = forms.TypedChoiceField(coerce=int, required=False, label=gettext_lazy("Who went?"), empty_value=None)
    how_it_went = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("How did it go?")
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["who_went"]
        else:
            self.fields["who_went"].choices = members  # type: ignore[attr-defined]
            self.fields["who_went"].required = True
            self.fields["who_went"].error_messages["required"] = _("Say who went.")


class ThankForm(forms.Form):
    recipient = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=500, required=False, label=gettext_lazy("Add a note (optional)"))
    client_id = forms.UUIDField(required=False)


class CancelForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[("one", gettext_lazy("Only this one")), ("all", gettext_lazy("Every time it happens"))],
        initial="one",
        widget=Radios,
        label=gettext_lazy("Cancel which ones?"),
    )
    reason = forms.CharField(max_length=300, required=False, label=gettext_lazy("Reason"))


class AssignForm(forms.Form):
    member = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Ask someone to do it"))
    every = forms.BooleanField(
        required=False,
        label=gettext_lazy("Every time, from this one (for 13 weeks)"),
        help_text=gettext_lazy("For a rota, like a paid carer's regular visits."),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]
