import collections

import pytest

from tereze.applications import actions, reviewers
from tereze.applications.reviewers import draw_official, forget_open_cases
from tereze.core.errors import Forbidden, NotFound, ValidationFailed
from tereze.core.models import AuditEntry
from tests.applications.helpers import api_client, submit


def test_draw_is_uniform_when_loads_are_equal(world) -> None:
    application = actions.application_withdraw(application=submit(world), actor=world.citizen)  # nobody has open work
    draws = collections.Counter(draw_official(application.body_id).pk for _ in range(3000))
    assert set(draws) == {o.pk for o in world.officials}
    for count in draws.values():  # expected 1000 each; 5 standard deviations is about 130
        assert 850 < count < 1150, draws


def test_draw_favours_officials_with_fewer_open_cases(world) -> None:
    busy = world.officials[0]
    for _ in range(6):
        application = submit(world)
        application.assignee = busy
        application.save(update_fields=["assignee"])
    forget_open_cases()  # set up behind the actions' back, so the cached counts must be read again
    draws = collections.Counter(draw_official(application.body_id).pk for _ in range(3000))
    # weights 1/(1+open): busy has ~7 open -> 1/8 against 1 for each idle colleague
    assert draws[busy.pk] < 300, draws


def test_a_slow_count_of_open_cases_is_not_repeated_for_every_change(world, django_assert_num_queries) -> None:
    body_id = submit(world).body_id  # the draw read the body's counts
    reviewers._counts[body_id].took = 10.0  # as if counting the backlog had taken 10 s
    actions.application_withdraw(application=submit(world), actor=world.citizen)  # a case changed here
    with django_assert_num_queries(0):  # 10 s / READ_SHARE have not passed: the counts it has will do
        assert draw_official(body_id) is not None
    forget_open_cases()  # an account changed: read at once
    with django_assert_num_queries(1):
        draw_official(body_id)


def test_reassignment_needs_a_supervisor_and_a_reason_and_redraws_someone_else(world) -> None:
    application = submit(world)
    before = application.assignee
    with pytest.raises(Forbidden):
        actions.application_reassign(application=application, supervisor=world.officials[0], reason="x" * 20)
    with pytest.raises(ValidationFailed):
        actions.application_reassign(application=application, supervisor=world.supervisor, reason="no")
    application = actions.application_reassign(application=application, supervisor=world.supervisor,
                                               reason="The official is on sick leave this week")
    assert application.assignee != before and application.assignee in world.officials
    assert AuditEntry.objects.filter(action="application.reassign", object_id=application.number).exists()


def test_applicant_never_learns_the_reviewer(world) -> None:
    application = submit(world)
    actions.application_reassign(application=application, supervisor=world.supervisor,
                                 reason="The official is on sick leave this week")
    application.refresh_from_db()
    response = api_client(world.citizen).get(f"/api/v1/applications/{application.number}")
    assert response.status_code == 200
    text = response.content.decode()
    for official in world.officials:
        assert official.username not in text
        assert f'"assignee_id": {official.pk}' not in text and f'"assignee_id":{official.pk}' not in text
    assert "assignee" not in text
    operator_view = api_client(world.operator).get(f"/api/v1/applications/{application.number}").content.decode()
    assert "assignee" not in operator_view and application.assignee.username not in operator_view


@pytest.mark.parametrize("who", ["other_citizen", "other_operator", "other_body_official", "other_official"])
def test_outsiders_get_404_for_someone_elses_application(world, who) -> None:
    application = submit(world)
    viewer = (next(o for o in world.officials if o != application.assignee) if who == "other_official"
              else getattr(world, who))
    response = api_client(viewer).get(f"/api/v1/applications/{application.number}")
    assert response.status_code == 404
    assert api_client(viewer).get("/api/v1/applications/S999-20260101-GUESSED").status_code == 404


@pytest.mark.parametrize("who", ["citizen", "operator", "supervisor", "auditor"])
def test_those_involved_can_read_it(world, who) -> None:
    application = submit(world)
    assert api_client(getattr(world, who)).get(f"/api/v1/applications/{application.number}").status_code == 200


def test_staff_views_of_personal_data_are_audited_and_applicants_own_are_not(world) -> None:
    application = submit(world)
    api_client(world.supervisor).get(f"/api/v1/applications/{application.number}")
    api_client(world.citizen).get(f"/api/v1/applications/{application.number}")
    views = AuditEntry.objects.filter(action="personal_data.view", subject_iin=world.applicant.iin)
    assert [v.actor_id for v in views] == [world.supervisor.pk]
    assert views[0].body_id == world.body.pk


def test_selector_refuses_what_the_viewer_may_not_see(world) -> None:
    from tereze.applications.selectors import application_get

    application = submit(world)
    with pytest.raises(NotFound):
        application_get(number=application.number, viewer=world.other_operator)


def test_staff_page_of_another_centre_is_not_found(world, client) -> None:
    application = submit(world)
    client.force_login(world.other_operator)
    assert client.get(f"/staff/applications/{application.number}/").status_code == 404
    client.force_login(world.operator)
    assert client.get(f"/staff/applications/{application.number}/").status_code == 200
