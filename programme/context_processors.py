from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def language_links(request):
    """The current page in the other interface languages, for the language switch."""
    current = get_language()
    return {
        "other_languages": [
            (code, name, translate_url(request.path, code))
            for code, name in settings.LANGUAGES
            if code != current
        ]
    }
