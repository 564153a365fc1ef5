import datetime as dt
import itertools

import pytest
from django.core import mail
from django.utils import timezone

from tereze.applications import actions
from tereze.applications.models import Application, ApplicationEvent
from tereze.applications.states import TRANSITIONS, Status, ensure_transition
from tereze.core import clock
from tereze.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from tereze.core.models import Notification
from tests.applications.helpers import api_client, submit

MONDAY = timezone.make_aware(dt.datetime(2026, 4, 6, 10, 0))


@pytest.mark.parametrize("current, requested", list(itertools.product(Status.values, Status.values)))
def test_transition_table_allows_exactly_its_pairs(current: str, requested: str) -> None:
    if requested in TRANSITIONS[current]:
        ensure_transition(current, requested)
    else:
        with pytest.raises(TransitionNotAllowed) as error:
            ensure_transition(current, requested)
        assert error.value.detail["allowed"] == sorted(TRANSITIONS[current])


def assert_history_is_consistent(application: Application) -> None:
    """Each event starts where the previous ended, and the last one ends in the current state."""
    events = list(ApplicationEvent.objects.filter(application=application).order_by("at", "id"))
    state = ""
    for event in events:
        assert event.from_status == state, f"{event.kind} starts at {event.from_status}, expected {state}"
        state = event.to_status
    application.refresh_from_db()
    assert state == application.status


def decide(application, decision, **kwargs):
    return actions.application_decide(application=application, official=application.assignee,
                                      decision=decision, **kwargs)


def test_approve_path_records_every_transition_and_notifies(world, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(world)
        application = actions.application_start_review(application=application, official=application.assignee)
        application = decide(application, "approve")
    assert application.status == Status.RESULT_READY
    assert application.result.verification_code
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    assert_history_is_consistent(application)
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "assigned", "review_started", "approved", "result_ready", "issued"]
    subjects = [n.subject for n in Notification.objects.filter(recipient_iin=world.applicant.iin)]
    assert any("қабылданды" in s or application.number in s for s in subjects)
    assert any(m.to == [world.applicant.email] for m in mail.outbox)


def test_return_then_resubmit_stops_the_clock(world) -> None:
    with clock.frozen(MONDAY):
        application = submit(world)
        due = application.due_date
        decide(application, "return", document_code="contract", reason="The copy of the contract is unreadable")
    with clock.frozen(MONDAY + dt.timedelta(days=7)):  # five working days with the applicant
        application = actions.application_resubmit(application=application, actor=world.citizen)
    assert application.status == Status.RESUBMITTED
    assert application.due_date == actions.add_working_days(due, 5)
    decide(application, "approve")
    assert_history_is_consistent(application)


def test_refusal_must_cite_a_ground_of_the_standard(world) -> None:
    application = submit(world)
    with pytest.raises(ValidationFailed) as error:
        decide(application, "refuse", reason="I do not like it at all")
    assert "ground_code" in error.value.errors
    assert Application.objects.get(pk=application.pk).status == Status.ASSIGNED
    application = decide(application, "refuse", ground_code="G1", reason="The contract is not signed by both")
    refused = application.events.get(kind="refused")
    assert refused.payload["ground_kk"] == "Құжаттар толық емес"


def test_applicant_is_told_the_reason_in_their_language(world, django_capture_on_commit_callbacks) -> None:
    application = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        decide(application, "refuse", ground_code="G1", reason="The contract is not signed by both")
    message = Notification.objects.filter(recipient_iin=world.applicant.iin, topic="application.refused").first()
    assert message is not None and message.language == "kk"
    assert "Құжаттар толық емес" in message.body


def test_suspension_where_allowed_moves_the_deadline(world) -> None:
    with clock.frozen(MONDAY):
        application = submit(world)
        due = application.due_date
        actions.application_suspend(application=application, official=application.assignee,
                                    reason="Waiting for the land register's answer")
    with clock.frozen(MONDAY + dt.timedelta(days=2)):
        application = actions.application_resume(application=application, official=application.assignee)
    assert application.due_date == actions.add_working_days(due, 2)
    assert_history_is_consistent(application)


def test_suspension_refused_where_the_standard_does_not_allow_it(world) -> None:
    world.standard.allows_suspension = False
    world.standard.save()
    application = submit(world)
    with pytest.raises(ValidationFailed, match="does not allow suspension"):
        actions.application_suspend(application=application, official=application.assignee,
                                    reason="Waiting for something else")


def test_withdraw_only_by_the_applicant(world) -> None:
    application = submit(world)
    with pytest.raises(Forbidden):
        actions.application_withdraw(application=application, actor=world.other_citizen)
    application = actions.application_withdraw(application=application, actor=world.citizen)
    assert application.status == Status.WITHDRAWN
    with pytest.raises(TransitionNotAllowed):
        actions.application_withdraw(application=application, actor=world.citizen)
    assert_history_is_consistent(application)


def test_only_the_assigned_official_decides(world) -> None:
    application = submit(world)
    other = next(o for o in world.officials if o != application.assignee)
    with pytest.raises(Forbidden):
        actions.application_decide(application=application, official=other, decision="approve")
    with pytest.raises(Forbidden):
        actions.application_decide(application=application, official=world.supervisor, decision="approve")


def test_issue_at_centre_needs_the_applicants_code(world, django_capture_on_commit_callbacks) -> None:
    application = decide(submit(world), "approve")
    actions.result_send_collection_code(application=application, operator=world.operator)
    sms = Notification.objects.get(topic="result.collection_code")
    code = next(word.strip(".") for word in sms.body.split() if word.strip(".").isdigit() and len(word.strip(".")) == 6)
    with pytest.raises(ValidationFailed, match="does not match"):
        actions.application_issue(application=application, actor=world.operator, confirmation_code="000000"
                                  if code != "000000" else "111111")
    application = actions.application_issue(application=application, actor=world.operator, confirmation_code=code)
    assert application.status == Status.ISSUED
    assert application.events.get(kind="issued").payload["issued"] == "centre, one-time code"


def test_api_decision_in_the_wrong_state_is_409_with_allowed_next(world) -> None:
    application = decide(submit(world), "approve")
    response = api_client(application.assignee).post(
        f"/api/v1/applications/{application.number}/decision", {"decision": "approve"},
        content_type="application/json")
    assert response.status_code == 403 or response.status_code == 409
    application.refresh_from_db()
    response = api_client(world.citizen).post(f"/api/v1/applications/{application.number}/withdraw")
    assert response.status_code == 409
    assert response.json()["current"] == "result_ready" and response.json()["allowed"] == ["issued"]


def test_api_decision_by_the_assignee(world) -> None:
    application = submit(world)
    client = api_client(application.assignee)
    response = client.post(f"/api/v1/applications/{application.number}/decision",
                           {"decision": "refuse", "reason": "too short"}, content_type="application/json")
    assert response.status_code == 422 and "ground_code" in response.json()["errors"]
    response = client.post(f"/api/v1/applications/{application.number}/decision", {"decision": "approve"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "result_ready"


def test_every_action_by_a_person_is_audited(world) -> None:
    from tereze.core.models import AuditEntry

    application = submit(world)
    official = application.assignee
    actions.application_start_review(application=application, official=official)
    decide(application, "return", document_code="contract", reason="The copy of the contract is unreadable")
    actions.application_resubmit(application=application, actor=world.citizen)
    decide(application, "approve")
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    audited = list(AuditEntry.objects.filter(object_id=application.number).order_by("id")
                   .values_list("action", "actor_id"))
    assert audited == [
        ("application.submit", world.operator.pk), ("application.review_started", official.pk),
        ("application.returned", official.pk), ("application.resubmitted", world.citizen.pk),
        ("application.review_started", official.pk), ("application.approved", official.pk),
        ("application.result_ready", official.pk), ("application.issued", world.operator.pk)]
