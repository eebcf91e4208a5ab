"""Base test cases."""

from oslotest import base

from hastack.common import context
from tests.fixtures import conf as conf_fixture
from tests.fixtures import database


class TestCase(base.BaseTestCase):
    """A test with a parsed CONF and no database."""

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(conf_fixture.ConfFixture()).conf

    def flags(self, group=None, **overrides):
        """Override options for this test."""
        for name, value in overrides.items():
            self.conf.config(group=group, **{name: value})


class DbTestCase(TestCase):
    """A test with a freshly migrated SQLite database."""

    def setUp(self):
        super().setUp()
        self.db = self.useFixture(database.SqliteDatabase())
        self.context = context.get_admin_context()
