"""Test cases of the dashboard: a Horizon user whose catalog has HaStack,
and the HaStack API client mocked at its boundary."""

import copy
from unittest import mock

from cinderclient import exceptions as cinder_exceptions
from django.contrib.messages.storage import cookie as cookie_storage
import glanceclient.exc as glance_exceptions
from keystoneclient import exceptions as keystone_exceptions
from novaclient import exceptions as nova_exceptions
from openstack import exceptions as sdk_exceptions
from openstack_dashboard.test import helpers
from swiftclient import client as swift_client

from hastack_dashboard.api import hastack

HA_URL = 'http://ha.example.com/high-availability'
HA_SERVICE = {
    'type': 'high-availability', 'name': 'hastack', 'endpoints_links': [],
    'endpoints': [{'region': 'RegionOne', 'interface': interface,
                   'url': HA_URL}
                  for interface in ('public', 'internal', 'admin')],
}


# NOTE(hastack): loading Horizon's test data replaces __init__ and __str__
# of these client exception classes for good (openstack_dashboard/test/
# test_data/exceptions.py); keystoneauth's are among them, and every later
# test in the process (the OSC plugin's) would see the fake messages. The
# dashboard tests put the classes back as soon as the data is loaded.
_STUBBED_EXCEPTIONS = (
    (keystone_exceptions, 'Unauthorized'),
    (keystone_exceptions, 'ClientException'),
    (nova_exceptions, 'ClientException'),
    (nova_exceptions, 'Unauthorized'),
    (glance_exceptions, 'ClientException'),
    (sdk_exceptions, 'SDKException'),
    (swift_client, 'ClientException'),
    (cinder_exceptions, 'BadRequest'),
)
_STUBBED_ATTRIBUTES = ('__init__', '__str__', 'silence_logging')
_ABSENT = object()


def _exception_classes_state():
    state = []
    for module, name in _STUBBED_EXCEPTIONS:
        cls = getattr(module, name)
        state.append((cls, {a: cls.__dict__.get(a, _ABSENT)
                            for a in _STUBBED_ATTRIBUTES}))
    return state


def _restore_exception_classes(state):
    for cls, attributes in state:
        for name, value in attributes.items():
            if value is _ABSENT:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                setattr(cls, name, value)


class _HastackMixin:

    def _setup_test_data(self):
        state = _exception_classes_state()
        try:
            super()._setup_test_data()
        finally:
            _restore_exception_classes(state)
        self.service_catalog.append(copy.deepcopy(HA_SERVICE))

    def mock_api(self, **returns):
        """Patch functions of hastack_dashboard.api.hastack.

        :param returns: ``name=return_value``; an exception instance is
            raised instead.
        :returns: ``{name: mock}``.
        """
        mocks = {}
        for name, value in returns.items():
            if isinstance(value, Exception):
                patcher = mock.patch.object(hastack, name, side_effect=value)
            else:
                patcher = mock.patch.object(hastack, name,
                                            return_value=value)
            mocks[name] = patcher.start()
            self.addCleanup(patcher.stop)
        return mocks

    def messages_of(self, response):
        """The texts of the messages a redirect carries in its cookie."""
        if 'messages' not in response.cookies:
            return []
        storage = cookie_storage.CookieStorage(None)
        return [str(m.message) for m in
                storage._decode(response.cookies['messages'].value)]

    def assertMessage(self, response, text):
        """A message holding ``text`` is in the response's cookie."""
        messages = self.messages_of(response)
        self.assertTrue(any(text in m for m in messages),
                        '%r not in %r' % (text, messages))


class AdminTestCase(_HastackMixin, helpers.BaseAdminViewTests):
    """An admin user of the test project."""


class ProjectTestCase(_HastackMixin, helpers.TestCase):
    """A member of the test project."""
