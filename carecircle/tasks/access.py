"""Access to tasks: the circle's access check, then the task scoped to that circle.

Private tasks exist only for those who may manage tasks (organisers and the person): anyone else
gets 404, exactly as if the task did not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.permissions import capabilities_for
from carecircle.tasks.models import Task

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from carecircle.accounts.models import User


def visible_tasks(access: CircleAccess) -> QuerySet[Task]:
    """The circle's tasks this member may see: private ones only for those who manage tasks."""
    tasks = Task.objects.filter(circle_id=access.circle.pk)
    if not access.can("tasks.manage"):
        tasks = tasks.filter(private=False)
    return tasks


def may_be_down_for(*, task: Task, role: str | None) -> bool:
    """Whether a member with `role` (None: not a member) may be down for the task: someone who may
    volunteer, and for a private task someone who may see it. The subject of an assignment or a
    reminder is checked with this, not only the person acting."""
    if role is None:
        return False
    capabilities = capabilities_for(role=role, consent=task.circle.consent, person_is_member=False)
    return "tasks.volunteer" in capabilities and (not task.private or "tasks.manage" in capabilities)


def visible_in(accesses: list[CircleAccess]) -> Q:
    """A filter for the tasks of several circles, each with that circle's rule for private tasks."""
    managed = [access.circle.pk for access in accesses if access.can("tasks.manage")]
    others = [access.circle.pk for access in accesses if not access.can("tasks.manage")]
    return Q(circle_id__in=managed) | Q(circle_id__in=others, private=False)


def access_task(
    *, user: User | AnonymousUser, circle_id: int, task_id: int, capability: str = "tasks.view"
) -> tuple[CircleAccess, Task]:
    """A task of a circle the viewer may see tasks of, checked for `capability`."""
    access = access_circle(user=user, circle_id=circle_id, capability="tasks.view")
    access.require(capability)
    task = visible_tasks(access).filter(pk=task_id).first()
    if task is None:
        raise Http404(_("No such task."))
    task.circle = access.circle
    return access, task


def task_thread_rule(access: CircleAccess, subject_id: int, write: bool) -> None:
    """Who may read and write a task's comments thread: whoever may see the task (for conversations'
    register_thread_subject("task", …)). Private tasks stay private: others get 404."""
    access.require("tasks.view")
    if not visible_tasks(access).filter(pk=subject_id).exists():
        raise Http404(_("No such task."))


def task_thread_label(subject_id: int) -> str:
    title = Task.objects.filter(pk=subject_id).values_list("title", flat=True).first()
    return _("Comments on %(title)s") % {"title": title} if title else _("Comments")
