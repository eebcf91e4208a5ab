"""The Settings panel: HaStack's run-time settings."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Settings(common.Panel):
    """Rate limits, retries, grace period and self-defense ratios."""

    name = _('Settings')
    slug = 'ha_settings'
