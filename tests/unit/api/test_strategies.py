"""/v1/strategies: complete rule sets, one active strategy."""

import copy
import datetime
from urllib import parse

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from hastack.db import api as db_api
from hastack.db import models
from tests.unit.api import base

NOT_ADMIN = (base.MEMBER, base.READER, base.OTHER_MEMBER, base.OTHER_READER,
             base.NOBODY)


def _rule(mgmt, service, storage, recover):
    return {'mgmt': mgmt, 'service': service, 'storage': storage,
            'recover': recover}


# The design table (design.md section 4), in table order.
DESIGN_TABLE = [
    _rule('down', 'down', 'down', True),
    _rule('down', 'down', 'up', True),
    _rule('down', 'up', 'down', True),
    _rule('down', 'up', 'up', False),
    _rule('up', 'down', 'down', True),
    _rule('up', 'down', 'up', False),
    _rule('up', 'up', 'down', True),
    _rule('up', 'up', 'up', False),
]
# Recover whenever any plane is down.
EAGER = [_rule(r['mgmt'], r['service'], r['storage'],
               'down' in (r['mgmt'], r['service'], r['storage']))
         for r in DESIGN_TABLE]


def _relative(url):
    parts = parse.urlsplit(url)
    return '%s?%s' % (parts.path, parts.query)


class StrategyTestCase(base.ApiTestCase):

    def create(self, name, rules=EAGER, **extra):
        body = dict(extra, name=name, rules=rules)
        return self.request('POST', '/v1/strategies', body=body,
                            status=201).json

    def show(self, ident):
        return self.request('GET', '/v1/strategies/%s' % ident,
                            status=200).json

    def names(self, query=''):
        resp = self.request('GET', '/v1/strategies?%s' % query, status=200)
        return [s['name'] for s in resp.json['strategies']]

    def stored_names(self):
        return sorted(s.name for s in db_api.strategy_list(self.context))

    def event_count(self):
        return len(db_api.event_list(self.context))

    def active_name(self):
        return db_api.strategy_get_active(self.context).name


class TestDefaultStrategy(StrategyTestCase):

    def test_default_exists_and_is_active(self):
        strategies = self.request('GET', '/v1/strategies',
                                  status=200).json['strategies']
        self.assertEqual(['default'], [s['name'] for s in strategies])
        self.assertTrue(strategies[0]['active'])
        default = self.show('default')
        self.assertTrue(default['active'])
        self.assertEqual(DESIGN_TABLE, default['rules'])
        self.assertEqual(default, self.show(default['uuid']))


class TestStrategyCreate(StrategyTestCase):

    def test_create(self):
        shuffled = list(reversed(EAGER))
        resp = self.request('POST', '/v1/strategies', status=201, body={
            'name': 'eager', 'description': 'recover on any plane',
            'rules': shuffled})
        doc = resp.json
        self.assertEqual('http://localhost/v1/strategies/%s' % doc['uuid'],
                         resp.headers['Location'])
        self.assertEqual('eager', doc['name'])
        self.assertEqual('recover on any plane', doc['description'])
        self.assertFalse(doc['active'])
        self.assertEqual(EAGER, doc['rules'])   # back in table order
        self.assertEqual(doc, self.show('eager'))
        self.assertEqual('default', self.active_name())
        self.assertEqual('strategy.created',
                         db_api.event_list(self.context)[0].type)

    def test_name_conflict(self):
        events = self.event_count()
        resp = self.request('POST', '/v1/strategies',
                            body={'name': 'default', 'rules': EAGER})
        self.assertError(resp, 409, 'hastack.strategy.exists')
        self.assertEqual(DESIGN_TABLE, self.show('default')['rules'])
        self.assertEqual(['default'], self.stored_names())
        self.assertEqual(events, self.event_count())

    def test_incomplete_rules_fail_the_schema(self):
        for rules in (EAGER[:7], EAGER + [EAGER[0]], [], None, 'all'):
            resp = self.request('POST', '/v1/strategies',
                                body={'name': 'bad', 'rules': rules})
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(['default'], self.stored_names())

    def test_duplicate_vector_is_invalid(self):
        rules = EAGER[:7] + [copy.deepcopy(EAGER[0])]
        resp = self.request('POST', '/v1/strategies',
                            body={'name': 'bad', 'rules': rules})
        error = self.assertError(resp, 400, 'hastack.strategy.invalid')
        self.assertIn('mgmt=down, service=down, storage=down',
                      error['detail'])
        self.assertEqual(['default'], self.stored_names())

    def test_contradictory_rules_are_invalid(self):
        rules = EAGER[:7] + [dict(EAGER[0], recover=False)]
        resp = self.request('POST', '/v1/strategies',
                            body={'name': 'bad', 'rules': rules})
        error = self.assertError(resp, 400, 'hastack.strategy.invalid')
        self.assertIn('contradictory', error['detail'])
        self.assertEqual(['default'], self.stored_names())

    def test_bad_input_changes_nothing(self):
        bad_rule = [dict(EAGER[0], mgmt='unknown')] + EAGER[1:]
        no_verdict = [{k: v for k, v in EAGER[0].items()
                       if k != 'recover'}] + EAGER[1:]
        extra_key = [dict(EAGER[0], weight=3)] + EAGER[1:]
        string_verdict = [dict(EAGER[0], recover='yes')] + EAGER[1:]
        bodies = [
            '{"name": "x", "rules": [',
            '',
            '[]',
            {'rules': EAGER},
            {'name': 'x'},
            {'name': '', 'rules': EAGER},
            {'name': ' leading-space', 'rules': EAGER},
            {'name': 'x' * 256, 'rules': EAGER},
            {'name': 7, 'rules': EAGER},
            {'name': 'x', 'rules': EAGER, 'active': True},
            {'name': 'x', 'rules': EAGER, 'description': 5},
            {'name': 'x', 'rules': bad_rule},
            {'name': 'x', 'rules': no_verdict},
            {'name': 'x', 'rules': extra_key},
            {'name': 'x', 'rules': string_verdict},
        ]
        events = self.event_count()
        for body in bodies:
            resp = self.request('POST', '/v1/strategies', body=body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(['default'], self.stored_names())
        self.assertEqual(events, self.event_count())


    def test_name_with_trailing_newline_is_refused(self):
        resp = self.request('POST', '/v1/strategies',
                            body={'name': 'eager\n', 'rules': EAGER})
        self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(['default'], self.stored_names())

    def test_uuid_like_name_is_refused(self):
        # Strategies are found by name or uuid; one named like a uuid
        # could never be found by its name.
        resp = self.request('POST', '/v1/strategies', body={
            'name': uuidutils.generate_uuid(), 'rules': EAGER})
        self.assertError(resp, 400)
        self.assertEqual(['default'], self.stored_names())


class TestStrategyUpdate(StrategyTestCase):

    def setUp(self):
        super().setUp()
        self.eager = self.create('eager', description='first')

    def test_update_name_description_rules(self):
        doc = self.request('PATCH', '/v1/strategies/eager', status=200,
                           body={'name': 'careful', 'description': None,
                                 'rules': DESIGN_TABLE}).json
        self.assertEqual('careful', doc['name'])
        self.assertIsNone(doc['description'])
        self.assertEqual(DESIGN_TABLE, doc['rules'])
        self.assertEqual(doc, self.show(self.eager['uuid']))
        self.assertError(self.request('GET', '/v1/strategies/eager'), 404,
                         'hastack.strategy.not_found')

    def test_rename_to_existing_name_conflicts(self):
        resp = self.request('PATCH', '/v1/strategies/eager',
                            body={'name': 'default'})
        self.assertError(resp, 409, 'hastack.strategy.exists')
        self.assertEqual(self.eager, self.show(self.eager['uuid']))
        self.assertEqual(['default', 'eager'], self.stored_names())

    def test_invalid_rules_change_nothing(self):
        events = self.event_count()
        for rules, code in (
                (DESIGN_TABLE[:7], 'hastack.invalid.schema'),
                (DESIGN_TABLE[1:] + [DESIGN_TABLE[1]],
                 'hastack.strategy.invalid'),
                (DESIGN_TABLE[1:] + [dict(DESIGN_TABLE[1], recover=False)],
                 'hastack.strategy.invalid')):
            resp = self.request('PATCH', '/v1/strategies/eager',
                                body={'rules': rules})
            self.assertError(resp, 400, code)
        self.assertEqual(self.eager, self.show('eager'))
        self.assertEqual(events, self.event_count())

    def test_bad_input_changes_nothing(self):
        events = self.event_count()
        for body in ('{"name": "x"', '', '[]', {}, {'uuid': 'x'},
                     {'name': None}, {'name': 'x', 'active': True},
                     {'description': 'd' * 4097}):
            resp = self.request('PATCH', '/v1/strategies/eager', body=body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(self.eager, self.show('eager'))
        self.assertEqual(events, self.event_count())

    def test_unknown_strategy(self):
        for ident in ('nothing', uuidutils.generate_uuid()):
            resp = self.request('PATCH', '/v1/strategies/%s' % ident,
                                body={'description': 'x'})
            self.assertError(resp, 404, 'hastack.strategy.not_found')


class TestStrategyDelete(StrategyTestCase):

    def test_delete(self):
        eager = self.create('eager')
        resp = self.request('DELETE', '/v1/strategies/%s' % eager['uuid'],
                            status=204)
        self.assertEqual(b'', resp.body)
        self.assertError(self.request('GET', '/v1/strategies/eager'), 404,
                         'hastack.strategy.not_found')
        self.assertEqual('strategy.deleted',
                         db_api.event_list(self.context)[0].type)

    def test_active_strategy_cannot_be_deleted(self):
        events = self.event_count()
        resp = self.request('DELETE', '/v1/strategies/default')
        self.assertError(resp, 409, 'hastack.strategy.active')
        self.assertTrue(self.show('default')['active'])
        self.assertEqual(events, self.event_count())

    def test_unknown_strategy(self):
        for ident in ('nothing', uuidutils.generate_uuid()):
            resp = self.request('DELETE', '/v1/strategies/%s' % ident)
            self.assertError(resp, 404, 'hastack.strategy.not_found')
        self.assertEqual(['default'], self.stored_names())


class TestStrategyActivate(StrategyTestCase):

    def test_activation_switches_active(self):
        eager = self.create('eager')
        doc = self.request('POST', '/v1/strategies/eager/activate',
                           status=200).json
        self.assertTrue(doc['active'])
        self.assertEqual(eager['uuid'], doc['uuid'])
        self.assertTrue(self.show('eager')['active'])
        self.assertFalse(self.show('default')['active'])
        listed = self.request('GET', '/v1/strategies',
                              status=200).json['strategies']
        self.assertEqual({'default': False, 'eager': True},
                         {s['name']: s['active'] for s in listed})
        self.assertEqual('strategy.activated',
                         db_api.event_list(self.context)[0].type)

        # The old default may go now, the new active one may not.
        self.request('DELETE', '/v1/strategies/default', status=204)
        self.assertError(self.request('DELETE', '/v1/strategies/eager'),
                         409, 'hastack.strategy.active')

    def test_activation_changes_the_decision(self):
        db_api.host_create(self.context, {'name': 'compute-1'})
        with db_api.context_manager.writer.using(self.context) as session:
            host = session.scalars(sa.select(models.Host)).one()
            host.state = 'suspect'
            host.state_since = (timeutils.utcnow().replace(tzinfo=None) -
                                datetime.timedelta(hours=1))
            host.mgmt_status = 'down'
            host.service_status = 'up'
            host.storage_status = 'up'
        path = '/v1/hosts/compute-1/decision'
        before = self.request('GET', path, status=200).json
        self.assertEqual('no_recover', before['action'])
        self.create('eager')
        self.request('POST', '/v1/strategies/eager/activate', status=200)
        after = self.request('GET', path, status=200).json
        self.assertEqual('eager', after['strategy'])
        self.assertEqual('recover', after['action'])

    def test_activating_the_active_one_changes_nothing(self):
        events = self.event_count()
        doc = self.request('POST', '/v1/strategies/default/activate',
                           status=200).json
        self.assertTrue(doc['active'])
        self.assertEqual(events, self.event_count())

    def test_unknown_strategy(self):
        resp = self.request('POST', '/v1/strategies/nothing/activate')
        self.assertError(resp, 404, 'hastack.strategy.not_found')
        self.assertEqual('default', self.active_name())

    def test_activate_is_post_only(self):
        resp = self.request('GET', '/v1/strategies/default/activate')
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual('POST', resp.headers['Allow'])


class TestStrategyList(StrategyTestCase):

    def setUp(self):
        super().setUp()
        for name in ('charlie', 'alpha', 'bravo'):
            self.create(name)

    def test_sorted_by_name(self):
        self.assertEqual(['alpha', 'bravo', 'charlie', 'default'],
                         self.names())
        self.assertEqual(['default', 'charlie', 'bravo', 'alpha'],
                         self.names('sort_dir=desc'))
        self.assertEqual(['default', 'charlie', 'alpha', 'bravo'],
                         self.names('sort_key=created_at'))

    def test_pages_follow_next(self):
        first = self.request('GET', '/v1/strategies?limit=3',
                             status=200).json
        self.assertEqual(['alpha', 'bravo', 'charlie'],
                         [s['name'] for s in first['strategies']])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual(['default'],
                         [s['name'] for s in second['strategies']])
        self.assertTrue(second['strategies'][0]['active'])
        self.assertNotIn('next', second)

    def test_limit_capped_by_max_limit(self):
        self.flags(group='api', max_limit=2)
        body = self.request('GET', '/v1/strategies?limit=10',
                            status=200).json
        self.assertEqual(['alpha', 'bravo'],
                         [s['name'] for s in body['strategies']])
        self.assertIn('limit=2', body['next'])

    def test_bad_query(self):
        for query in ('limit=0', 'sort_key=rules', 'sort_dir=random',
                      'active=true', 'marker='):
            resp = self.request('GET', '/v1/strategies?%s' % query)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        resp = self.request('GET', '/v1/strategies?marker=%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 400, 'hastack.invalid.marker')


class TestStrategyPolicy(StrategyTestCase):
    """Strategies are admin-only; the service may read them."""

    def test_read(self):
        for path in ('/v1/strategies', '/v1/strategies/default'):
            for who in (base.ADMIN, base.SERVICE):
                self.request('GET', path, headers=who, status=200)
            for who in NOT_ADMIN:
                self.assertError(self.request('GET', path, headers=who),
                                 403, 'hastack.forbidden')

    def test_writes_admin_only(self):
        self.create('eager')
        events = self.event_count()
        for who in NOT_ADMIN + (base.SERVICE,):
            for method, path, body in (
                    ('POST', '/v1/strategies',
                     {'name': 'new', 'rules': EAGER}),
                    ('PATCH', '/v1/strategies/eager',
                     {'description': 'changed'}),
                    ('DELETE', '/v1/strategies/eager', None),
                    ('POST', '/v1/strategies/eager/activate', None)):
                resp = self.request(method, path, headers=who, body=body)
                self.assertError(resp, 403, 'hastack.forbidden')
        self.assertEqual(['default', 'eager'], self.stored_names())
        self.assertIsNone(self.show('eager')['description'])
        self.assertEqual('default', self.active_name())
        self.assertEqual(events, self.event_count())
