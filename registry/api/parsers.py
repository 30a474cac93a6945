"""A JSON parser whose errors are in the request's language and that answers 400 for JSON
nested deeper than Python's parser can follow.

DRF's own parser answers ``JSON parse error - <Python's message>``, in English whatever the
language asked for; this one names the line and column instead."""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as strict_json


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            "".encode(encoding)  # text encodings only: bz2_codec & co. would decompress
        except (LookupError, UnicodeError):
            raise ParseError(
                _("Unsupported charset “%(charset)s” in the Content-Type header.")
                % {"charset": encoding}
            ) from None
        try:
            decoded = codecs.getreader(encoding)(stream)
            parse_constant = strict_json.strict_constant if self.strict else None
            return strict_json.load(decoded, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
        except json.JSONDecodeError as error:
            raise ParseError(
                _("JSON parse error - not valid JSON at line %(line)d, column %(column)d.")
                % {"line": error.lineno, "column": error.colno}
            ) from None
        except ValueError:  # undecodable bytes, or NaN/Infinity
            raise ParseError(_("JSON parse error - the body is not valid JSON.")) from None
