"""The installed HaStack version, read once from the package metadata."""

import pbr.version

version_info = pbr.version.VersionInfo('hastack')
version_string = version_info.version_string()
