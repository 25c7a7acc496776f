"""The wellbeing measure: the ONS personal wellbeing questions (ONS4), at the start and at the end.

ONS4 is published by the Office for National Statistics under the Open Government Licence, free to
use (SWEMWBS needs a licence from its owners for each use, so it is not built in). The four answers
are kept as asked; the change per referral is end minus start for each question, and for anxiety a
fall is the improvement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from carecircle.audit.services import audit_record
from carecircle.lib.errors import Conflict, DomainError
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.figures import referral_figures_snapshot, referral_figures_update
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.models import Referral, ReferralEvent, ReferralStatus, WellbeingMeasure, WellbeingStage

QUESTIONS = [
    ("life_satisfaction", gettext_lazy("Overall, how satisfied are you with your life nowadays?"), "higher"),
    (
        "worthwhile",
        gettext_lazy("Overall, to what extent do you feel that the things you do in your life are worthwhile?"),
        "higher",
    ),
    ("happy", gettext_lazy("Overall, how happy did you feel yesterday?"), "higher"),
    (
        "anxious",
        gettext_lazy(
            "On a scale where 0 is not at all anxious and 10 is completely anxious, how anxious did you feel yesterday?"
        ),
        "lower",
    ),
]
NAMES = [name for name, _, _ in QUESTIONS]


class WellbeingError(DomainError):
    """A refusal about a wellbeing measure."""


@dataclass(frozen=True)
class WellbeingChange:
    start: WellbeingMeasure | None
    close: WellbeingMeasure | None

    def rows(self) -> list[dict[str, object]]:
        rows = []
        for name, question, better in QUESTIONS:
            before = getattr(self.start, name, None)
            after = getattr(self.close, name, None)
            change = after - before if before is not None and after is not None else None
            improved = None if change is None or change == 0 else (change > 0) == (better == "higher")
            rows.append(
                {
                    "name": name,
                    "question": question,
                    "start": before,
                    "close": after,
                    "change": change,
                    "improved": improved,
                }
            )
        return rows


def wellbeing_for(*, referral: Referral) -> WellbeingChange:
    measures = {measure.stage: measure for measure in WellbeingMeasure.objects.filter(referral=referral)}
    return WellbeingChange(start=measures.get(WellbeingStage.START), close=measures.get(WellbeingStage.CLOSE))


@transaction.atomic
def wellbeing_record(
    *, access: OrganisationAccess, referral: Referral, stage: str, answers: dict[str, int]
) -> WellbeingMeasure:
    """Keep the person's four answers for one stage; each stage is asked once."""
    if stage not in WellbeingStage.values:
        raise WellbeingError(gettext("Choose the start or the end."), field="stage")
    if referral.status in {ReferralStatus.DECLINED} or (
        stage == WellbeingStage.START and referral.status == ReferralStatus.NEW
    ):
        raise WellbeingError(gettext("Accept the referral before asking about wellbeing."))
    for name in NAMES:
        value = answers.get(name)
        if not isinstance(value, int) or not 0 <= value <= 10:
            raise WellbeingError(gettext("Give each answer as a number from 0 to 10."), field=name)
    # Locked so that the start and the end recorded at once both reach the figures.
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    figures_before = referral_figures_snapshot(referral)
    try:
        with transaction.atomic():
            measure = WellbeingMeasure.objects.create(
                referral=referral,
                stage=stage,
                recorded_by=access.user,
                recorded_at=timezone.now(),
                **{name: answers[name] for name in NAMES},
            )
    except IntegrityError:
        raise Conflict(gettext("The wellbeing questions are already answered for this stage.")) from None
    referral_figures_update(referral, before=figures_before)
    referral_history_add(
        referral=referral,
        actor=access.user,
        kind=ReferralEvent.Kind.WELLBEING,
        text=f"Wellbeing questions answered ({WellbeingStage(stage).label.lower()}).",
    )
    audit_record(
        actor=access.user,
        action="referral.wellbeing_recorded",
        subject_name=referral.reference,
        data={"organisation": referral.organisation_id, "referral": referral.pk, "stage": stage},
    )
    return measure
