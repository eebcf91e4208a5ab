"""The OpenAPI document's response schemas hold for what the API returns."""

import jsonschema
from oslo_utils import uuidutils

from hastack.api import representations
from hastack.db import api as db_api
from tests.unit.api import base


class TestOpenApiResponses(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.document = self.request('GET', '/v1/openapi.json', headers={},
                                     status=200).json
        self.request('POST', '/v1/hosts', body={'name': 'compute-1'},
                     status=201)
        instance = db_api.instance_create(self.context, {
            'uuid': uuidutils.generate_uuid(), 'name': 'vm',
            'project_id': base.PROJECT_A, 'host': 'compute-1'})
        task = db_api.task_create(self.context, {
            'type': 'evacuate', 'host': 'compute-1',
            'instance_uuid': instance.uuid, 'project_id': base.PROJECT_A,
            'failure_uuid': uuidutils.generate_uuid()})
        event = self.request('GET', '/v1/events', status=200).json
        self.values = {'host': 'compute-1', 'instance': instance.uuid,
                       'strategy': 'default', 'task': task.uuid,
                       'event': event['events'][0]['uuid']}

    def schema(self, path, method='get'):
        responses = self.document['paths'][path][method]['responses']
        success = [v for k, v in responses.items() if k.startswith('2')]
        schema = success[0]['content']['application/json']['schema']
        # Its $refs point into the document's components.
        return dict(schema, components=self.document['components'])

    def test_every_body_has_a_schema(self):
        for (method, path), response in representations.RESPONSES.items():
            operation = self.document['paths'][path][method]
            success = [v for k, v in operation['responses'].items()
                       if k.startswith('2')]
            self.assertEqual(response is not None,
                             'content' in success[0], (method, path))

    def test_what_every_get_returns_validates(self):
        checked = 0
        for (method, path), response in representations.RESPONSES.items():
            if method != 'get':
                continue
            url = path.format(**self.values)
            if response[0] == 'list':
                # A full page of one: the next link is there too.
                url += '?limit=1'
            body = self.request('GET', url, status=200).json
            if response[0] == 'list':
                self.assertIn('next', body, url)
            jsonschema.validate(body, self.schema(path))
            checked += 1
        self.assertEqual(14, checked)

    def test_a_wrong_body_does_not_validate(self):
        host = self.request('GET', '/v1/hosts/compute-1', status=200).json
        host['ha_enabled'] = 'yes'
        self.assertRaises(jsonschema.ValidationError, jsonschema.validate,
                          host, self.schema('/v1/hosts/{host}'))
        del host['ha_enabled']
        self.assertRaises(jsonschema.ValidationError, jsonschema.validate,
                          dict(host, ha_enabled=True, state_since=None),
                          self.schema('/v1/hosts/{host}'))
