import os

import django

from ory_platform.handlers import PlatformWSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ory_platform.settings")

django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application does
application = PlatformWSGIHandler()
