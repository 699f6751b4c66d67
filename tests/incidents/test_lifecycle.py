"""The incident lifecycle service: numbers, SLA targets, allowed transitions and refusals,
alerts grouped into incidents (all or nothing), SOP steps logged with who and when."""

import pytest
from django.utils import timezone

from incidents.models import (
    Incident,
    IncidentAlert,
    IncidentMessage,
    IncidentTransition,
    IncidentType,
    MessageKind,
)
from incidents.services import actions
from incidents.services.actions import IncidentError
from tests.incidents.conftest import make_alert

pytestmark = pytest.mark.django_db


def test_open_from_alerts_numbers_sets_sla_and_copies_the_sop(world):
    kind = IncidentType.objects.create(name="Intrusion", category="security", sop_steps=["Verify", "Call guard"])
    a1, a2 = make_alert(world["cam_a"], 3), make_alert(world["cam_a"], 1, severity="high")
    first = actions.open_incident(user=world["op_a"], title=" Fence ", alert_ids=[a1.pk, a2.pk], incident_type=kind)
    second = actions.open_incident(user=world["op_a"], title="Other", site=world["a"])
    year = timezone.now().year
    assert first.number == f"INC-{year}-00001" and second.number == f"INC-{year}-00002"
    assert first.title == "Fence" and first.site == world["a"] and first.camera == world["cam_a"]
    assert first.priority == 1  # from the critical alert
    ack, resolve = first.acknowledge_due_at - first.created_at, first.resolve_due_at - first.created_at
    assert ack.total_seconds() == 5 * 60 and resolve.total_seconds() == 60 * 60  # P1 defaults
    assert [s.text for s in first.sop_steps.all()] == ["Verify", "Call guard"]
    assert set(first.alerts.values_list("pk", flat=True)) == {a1.pk, a2.pk}
    kinds = list(first.messages.values_list("kind", flat=True))
    assert kinds == [MessageKind.STATUS, MessageKind.ALERTS]


def test_full_lifecycle_with_history_rows(world):
    incident = actions.open_incident(user=world["op_a"], title="Smoke", site=world["a"])
    actions.change_status(incident, "assigned", world["op_a"], assignee=world["op_a2"])
    for target in ("en_route", "on_scene"):
        actions.change_status(incident, target, world["op_a2"])
    actions.change_status(incident, "resolved", world["op_a2"], "false alarm: fog machine")
    done = actions.change_status(incident, "closed", world["admin_a"])
    assert done.status == "closed" and done.outcome == "false alarm: fog machine" and done.closed_at
    assert done.assigned_to == world["op_a2"] and done.acknowledged_at
    steps = list(IncidentTransition.objects.filter(incident=incident).values_list("from_status", "to_status", "user"))
    assert steps == [
        ("new", "assigned", world["op_a"].pk),
        ("assigned", "en_route", world["op_a2"].pk),
        ("en_route", "on_scene", world["op_a2"].pk),
        ("on_scene", "resolved", world["op_a2"].pk),
        ("resolved", "closed", world["admin_a"].pk),
    ]
    assert IncidentMessage.objects.filter(incident=incident, kind=MessageKind.ASSIGNMENT).count() == 1


def test_refusals(world):
    incident = actions.open_incident(user=world["op_a"], title="Door", site=world["a"])
    with pytest.raises(IncidentError, match="resolve it before closing") as refused:
        actions.change_status(incident, "closed", world["admin_a"])
    assert refused.value.code == "conflict"
    with pytest.raises(IncidentError, match="no access to incidents of this site"):
        actions.assign_incident(incident, world["op_b"], world["op_a"])
    with pytest.raises(IncidentError, match="incidents.close") as refused:  # operators may not close
        actions.change_status(incident, "cancelled", world["op_a"])
    assert refused.value.code == "forbidden"
    with pytest.raises(IncidentError, match="not every site"):
        actions.add_comment(incident, world["op_b"], "hello from B")
    with pytest.raises(IncidentError, match="must not be empty"):
        actions.add_comment(incident, world["op_a"], "   ")
    with pytest.raises(IncidentError, match="name the user"):
        actions.change_status(incident, "assigned", world["op_a"])
    actions.change_status(incident, "cancelled", world["admin_a"])
    with pytest.raises(IncidentError, match="cancelled; it cannot become"):
        actions.change_status(incident, "new", world["admin_a"])
    assert Incident.objects.get(pk=incident.pk).status == "cancelled"


def test_bad_alert_input_writes_nothing(world):
    a, b = make_alert(world["cam_a"]), make_alert(world["cam_b"])
    unknown = "00000000-0000-0000-0000-000000000042"
    with pytest.raises(IncidentError, match="unknown alert"):
        actions.open_incident(user=world["op_a"], title="x", alert_ids=[a.pk, unknown])
    with pytest.raises(IncidentError, match="unknown alert"):  # another site's alert is unknown to op A
        actions.open_incident(user=world["op_a"], title="x", alert_ids=[a.pk, b.pk])
    with pytest.raises(IncidentError, match="several sites"):  # root sees both, but not multi-site
        actions.open_incident(user=world["root"], title="x", alert_ids=[a.pk, b.pk])
    with pytest.raises(IncidentError, match="title must not be empty"):
        actions.open_incident(user=world["op_a"], title="  ", alert_ids=[a.pk])
    assert not Incident.objects.exists() and not IncidentAlert.objects.exists()
    both = actions.open_incident(user=world["root"], title="Both gates", alert_ids=[a.pk, b.pk], multi_site=True)
    assert both.multi_site and both.alerts.count() == 2
    with pytest.raises(IncidentError, match="already in an incident") as refused:
        actions.open_incident(user=world["root"], title="again", alert_ids=[a.pk])
    assert refused.value.code == "conflict"
    # Site A's operator sees the incident (its site is A) but may not change it: B is involved.
    with pytest.raises(IncidentError, match="not every site"):
        actions.add_comment(both, world["op_a"], "mine?")


def test_sop_steps_are_logged_with_who_and_when(world):
    kind = IncidentType.objects.create(name="Fire", sop_steps=["Call fire brigade", "Evacuate"])
    incident = actions.open_incident(user=world["op_a"], title="Smoke", site=world["a"], incident_type=kind)
    step = incident.sop_steps.get(position=2)
    ticked = actions.tick_sop_step(incident, step.pk, world["op_a2"])
    assert ticked.done_by == world["op_a2"] and ticked.done_at
    message = incident.messages.filter(kind=MessageKind.SOP).get()
    assert message.author == world["op_a2"] and "Evacuate" in message.body
    with pytest.raises(IncidentError, match="no such SOP step"):
        actions.tick_sop_step(incident, "00000000-0000-0000-0000-000000000001", world["op_a"])


def test_viewer_may_not_change_and_links_refuse_cycles(world):
    one = actions.open_incident(user=world["op_a"], title="One", site=world["a"])
    two = actions.open_incident(user=world["op_a"], title="Two", site=world["a"])
    with pytest.raises(IncidentError, match="incidents.write"):
        actions.add_comment(one, world["viewer_a"], "hi")
    actions.link_incidents(two, one, world["op_a"], as_parent=True)
    with pytest.raises(IncidentError, match="its own ancestor"):
        actions.link_incidents(one, two, world["op_a"], as_parent=True)
    actions.link_incidents(one, two, world["op_a"])
    assert list(one.linked.all()) == [two] and list(two.linked.all()) == [one]
