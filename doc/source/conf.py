# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Sphinx configuration of HaStack's documentation.

Build it with ``tox -e docs`` or::

    sphinx-build -W -b html doc/source doc/build/html

from the top of the repository, with HaStack installed (the configuration
and policy references, the CLI reference and the API reference are
generated from the installed code).
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_TOP = os.path.dirname(os.path.dirname(_HERE))

# Our own extensions (the API reference, the timing table) live in doc/ext.
sys.path.insert(0, os.path.join(_TOP, 'doc', 'ext'))

# -- General configuration ----------------------------------------------------

extensions = [
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
    'cliff.sphinxext',
    'hastack_apiref',
    'hastack_timing',
]

project = 'HaStack'
copyright = 'HaStack developers'
author = 'HaStack developers'

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']
pygments_style = 'sphinx'

# -- Generated samples ------------------------------------------------------
# Both are written into _static/ at every build (they are not kept in git;
# see _static/.gitignore) from the generator files the tox environments
# genconfig and genpolicy use, so they always match the code.

config_generator_config_file = os.path.join(
    _TOP, 'etc', 'hastack', 'hastack-config-generator.conf')
sample_config_basename = '_static/hastack'

policy_generator_config_file = os.path.join(
    _TOP, 'etc', 'hastack', 'hastack-policy-generator.conf')
sample_policy_basename = '_static/hastack'

# -- The CLI reference --------------------------------------------------------

autoprogram_cliff_application = 'openstack'
# The output options every OpenStackClient command has are described once
# on the CLI page, not under each command.
autoprogram_cliff_ignored = [
    '--help', '--format', '--column', '--max-width', '--fit-width',
    '--print-empty', '--prefix', '--noindent', '--quote', '--sort-column',
    '--sort-ascending', '--sort-descending',
]

# -- HTML output --------------------------------------------------------------

html_theme = 'alabaster'
html_static_path = ['_static']
html_title = 'HaStack documentation'
html_show_sourcelink = False
