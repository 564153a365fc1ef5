import datetime as dt

from django.utils import timezone

from tereze.applications import actions
from tereze.core import clock
from tereze.core.calendar import add_working_days
from tereze.core.models import Notification
from tests.applications.helpers import submit

FILED = timezone.make_aware(dt.datetime(2026, 4, 6, 10, 0))  # Monday


def test_sweep_warns_the_day_before_then_marks_overdue_and_escalates_once(world, django_capture_on_commit_callbacks):
    with clock.frozen(FILED):
        application = submit(world, tier_code="fast")  # due in 2 working days
    due = application.due_date
    eve = due - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.deadline_sweep(today=eve)["warned"] == 1
        assert actions.deadline_sweep(today=eve)["warned"] == 0
    warned = Notification.objects.filter(topic="application.due_tomorrow", recipient_user=application.assignee)
    assert warned.count() == 1
    after = add_working_days(due, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.deadline_sweep(today=after)["overdue"] == 1
        assert actions.deadline_sweep(today=after)["overdue"] == 0
    application.refresh_from_db()
    assert application.overdue_since == after
    assert Notification.objects.filter(topic="application.overdue", recipient_user=world.supervisor).count() == 1
    assert Notification.objects.filter(topic="application.overdue", recipient_iin=world.applicant.iin).exists()
    assert list(application.events.filter(kind__in=["deadline_warning", "overdue"]).values_list("kind", flat=True)) \
        == ["deadline_warning", "overdue"]


def test_decided_applications_are_never_overdue(world):
    with clock.frozen(FILED):
        application = submit(world, tier_code="fast")
        actions.application_decide(application=application, official=application.assignee, decision="approve")
    assert actions.deadline_sweep(today=application.due_date + dt.timedelta(days=10))["overdue"] == 0
