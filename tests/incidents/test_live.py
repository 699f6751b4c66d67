"""The live timeline over the real websocket stack (orin.asgi, Channels, Redis): two operators
of the site receive a new message after commit; another site's operator cannot even join."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from incidents.services import actions
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def cookie(user) -> bytes:
    client = sign_in(Client(), user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(incident_id, user) -> WebsocketCommunicator:
    from orin.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie(user))]
    return WebsocketCommunicator(application, f"/ws/incidents/{incident_id}/", headers=headers)


def test_timeline_reaches_the_sites_viewers_only(world):
    incident = actions.open_incident(user=world["op_a"], title="Live", site=world["a"])
    one, two, stranger = (socket(incident.pk, world[name]) for name in ("op_a", "op_a2", "op_b"))

    async def scenario():
        for viewer in (one, two):
            assert (await viewer.connect())[0]
            assert (await viewer.receive_json_from())["type"] == "hello"
        connected, code = await stranger.connect()
        assert not connected and code == 4404

        def comment():
            try:
                actions.add_comment(incident, world["op_a"], "guard dispatched")
                actions.change_status(incident, "assigned", world["op_a"], assignee=world["op_a2"])
            finally:
                connection.close()

        await asyncio.get_running_loop().run_in_executor(None, comment)
        for viewer in (one, two):
            got = [await viewer.receive_json_from(timeout=5) for _ in range(3)]
            assert [m["kind"] for m in got] == ["comment", "status", "assignment"]
            assert got[0]["body"] == "guard dispatched" and got[0]["author"] == "op-a"
            assert got[0]["local_time"].endswith("+08")
            await viewer.disconnect()

    async_to_sync(scenario)()
