"""host_list and instance_list: light pages are the object pages."""

import datetime

from oslo_utils import uuidutils
import sqlalchemy as sa

from hastack.api.controllers.v1 import hosts as hosts_api
from hastack.api.controllers.v1 import instances as instances_api
from hastack.db import api as db_api
from hastack.db import models
from tests import base

T0 = datetime.datetime(2026, 11, 25, 10, 0, 0)


class ListPagesTestCase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        for i in range(7):
            db_api.host_create(self.context, {
                'name': 'host-%d' % ((i * 3) % 7),
                'maintenance': i == 2, 'ha_enabled': i != 4})
        for i in range(12):
            db_api.instance_create(self.context, {
                'uuid': uuidutils.generate_uuid(), 'name': 'vm-%d' % i,
                'project_id': 'p%d' % (i % 2), 'host': 'host-%d' % (i % 3),
                'status': 'ACTIVE', 'ha_enabled': True,
                'priority': i % 3})
        # Ties on created_at: the id breaks them, on both kinds of page.
        table = models.Instance.__table__
        with db_api.get_engine().begin() as connection:
            connection.execute(table.update().values(
                created_at=sa.case((table.c.id % 3 == 0, T0),
                                   else_=table.c.created_at)))

    def _walk(self, lister, rendered, light, limit, **kwargs):
        """Every page of a list, following the markers; each row as the
        tuple of its ``rendered`` columns."""
        pages, marker = [], None
        while True:
            rows = lister(self.context, {}, limit=limit, marker=marker,
                          columns=rendered if light else None, **kwargs)
            pages.append([tuple(getattr(r, c) for c in rendered)
                          for r in rows])
            if len(rows) < limit:
                return pages
            marker = rows[-1].uuid

    def test_host_pages_are_the_same(self):
        for sort_key in ('name', 'state', 'created_at', 'id'):
            for sort_dir in ('asc', 'desc'):
                for limit in (1, 2, 3, 100):
                    objects = self._walk(
                        db_api.host_list, hosts_api.RENDERED, False, limit,
                        sort_key=sort_key, sort_dir=sort_dir)
                    self.assertEqual(
                        objects,
                        self._walk(db_api.host_list, hosts_api.RENDERED,
                                   True, limit, sort_key=sort_key,
                                   sort_dir=sort_dir),
                        (sort_key, sort_dir, limit))
                    self.assertEqual(7, sum(len(p) for p in objects))

    def test_instance_pages_are_the_same(self):
        for sort_key in ('created_at', 'uuid', 'priority', 'id'):
            for sort_dir in ('asc', 'desc'):
                for limit in (1, 2, 5, 100):
                    objects = self._walk(
                        db_api.instance_list, instances_api.RENDERED, False,
                        limit, sort_key=sort_key, sort_dir=sort_dir)
                    self.assertEqual(
                        objects,
                        self._walk(db_api.instance_list,
                                   instances_api.RENDERED, True, limit,
                                   sort_key=sort_key, sort_dir=sort_dir),
                        (sort_key, sort_dir, limit))
                    self.assertEqual(12, sum(len(p) for p in objects))

    def test_tied_instances_come_in_id_order(self):
        rows = db_api.instance_list(self.context, {}, limit=100,
                                    columns=('uuid', 'created_at'))
        objects = db_api.instance_list(self.context, {}, limit=100)
        tied = [o.id for o in objects if o.created_at == T0]
        self.assertEqual(sorted(tied), tied)
        self.assertEqual(4, len(tied))
        self.assertEqual([o.uuid for o in objects], [r.uuid for r in rows])

    def test_light_rows_hold_only_the_columns_asked_for(self):
        row = db_api.host_list(self.context, {}, limit=1,
                               columns=hosts_api.RENDERED)[0]
        self.assertEqual(hosts_api.RENDERED, tuple(row._fields))
        self.assertRaises(AttributeError, getattr, row, 'fence_grant_until')

    def test_render_of_a_light_row_is_that_of_the_host(self):
        objects = db_api.host_list(self.context, {'maintenance': False})
        rows = db_api.host_list(self.context, {'maintenance': False},
                                columns=hosts_api.RENDERED)
        self.assertEqual([hosts_api.render(h) for h in objects],
                         [hosts_api.render(r) for r in rows])
        objects = db_api.instance_list(self.context, {'project_id': 'p1'},
                                       limit=4, sort_dir='desc')
        rows = db_api.instance_list(self.context, {'project_id': 'p1'},
                                    limit=4, sort_dir='desc',
                                    columns=instances_api.RENDERED)
        self.assertEqual([instances_api.render(i) for i in objects],
                         [instances_api.render(r) for r in rows])
