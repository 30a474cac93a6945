"""``/feeds/changes.atom``: the change feed for people (RFC 4287), in Vietnamese or English.

The same events and filters as ``/api/v1/changes/`` (``ChangeEventFilterSet``), newest first,
the latest ``ATOM_FEED_ENTRIES`` of them; ``lang=en`` for English (Vietnamese by default).
A bad filter is a 400 naming it. Entry ids are ``tag:`` URIs of the event's id, which never
changes, so a feed reader shows each event once.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from registry import changes
from registry.choices import ChangeKind, ChangeSource, ChangeSubject, CodeStatus, InspectionResult
from registry.filtersets import ChangeEventFilterSet
from registry.models import ChangeEvent

LANGUAGES = ("vi", "en")
SUBJECT_API = {
    ChangeSubject.AREA_CODE: "area-code-detail",
    ChangeSubject.PACKING_HOUSE: "packing-house-detail",
}


INSPECTION_KINDS = (
    ChangeKind.INSPECTION_RESULT,
    ChangeKind.INSPECTION_CHANGE,
    ChangeKind.INSPECTION_DELETION,
)


class BadFilter(Exception):
    def __init__(self, errors):
        self.errors = errors


def describe(event: ChangeEvent) -> str:
    """One line saying what happened, in the active language."""
    label = dict(ChangeKind.choices)[event.kind]
    details = event.payload or {}
    if event.kind in (ChangeKind.STATUS_CHANGE, ChangeKind.REVOCATION):
        status = dict(CodeStatus.choices).get(details.get("to_status"), "")
        return _("%(code)s, market %(market)s: %(status)s") % {
            "code": event.subject_code,
            "status": status,
            "market": event.market_code,
        }
    if event.kind in INSPECTION_KINDS:
        results = dict(InspectionResult.choices)
        if event.kind == ChangeKind.INSPECTION_CHANGE:
            before = results.get(details.get("from_result"), "")
            after = results.get(details.get("to_result"), "")
            what = f"{label} ({before} → {after})" if before != after else label
        else:
            what = f"{label} ({results.get(details.get('result'), '')})"
        if event.market_code:  # an inspection's event is one per market it concerns
            return _("%(code)s, market %(market)s: %(status)s") % {
                "code": event.subject_code,
                "status": what,
                "market": event.market_code,
            }
        return f"{event.subject_code}: {what}"
    return f"{event.subject_code}: {label}"


class ChangesAtomFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        lang = request.GET.get("lang") or "vi"
        if lang not in LANGUAGES:
            return HttpResponseBadRequest(f"lang: use one of {', '.join(LANGUAGES)}")
        with translation.override(lang):
            try:
                return super().__call__(request, *args, **kwargs)
            except BadFilter as error:
                lines = [f"{name}: {' '.join(messages)}" for name, messages in error.errors]
                return HttpResponseBadRequest("\n".join(lines), content_type="text/plain")

    def get_object(self, request, *args, **kwargs):
        params = request.GET.copy()
        params.pop("lang", None)
        unknown = sorted(set(params) - set(ChangeEventFilterSet.base_filters))
        if unknown:
            raise BadFilter([(name, [_("Unknown parameter.")]) for name in unknown])
        filterset = ChangeEventFilterSet(params, queryset=changes.served())
        if not filterset.is_valid():
            raise BadFilter([(k, [str(m) for m in v]) for k, v in filterset.errors.items()])
        return {"events": filterset.qs, "query": request.GET.urlencode()}

    def title(self, obj):
        return _("Growing-area registry: changes")

    def subtitle(self, obj):
        return _(
            "Status changes, revocations, new codes, certificate expiries and inspection "
            "results, newest first."
        )

    def link(self, obj):
        return reverse("change-list") + (f"?{obj['query']}" if obj["query"] else "")

    def feed_guid(self, obj):
        return None

    def items(self, obj):
        return obj["events"].order_by("-txid", "-id")[: settings.ATOM_FEED_ENTRIES]

    def item_title(self, item):
        return describe(item)

    def item_description(self, item):
        details = item.payload or {}
        parts = [_("Effective %(date)s.") % {"date": item.effective_on.isoformat()}]
        if details.get("source"):
            parts.append(dict(ChangeSource.choices).get(details["source"], details["source"]))
        if details.get("reference"):
            parts.append(details["reference"])
        return " ".join(str(part) for part in parts)

    def item_link(self, item):
        name = SUBJECT_API.get(item.subject_type)
        if name:
            return reverse(name, args=[item.subject_code])
        return reverse("change-list") + f"?code={item.subject_code}"

    def item_guid(self, item):
        return f"tag:{settings.ATOM_FEED_TAG_AUTHORITY},2026:change-event:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.recorded_at

    def item_updateddate(self, item):
        return item.recorded_at

    def item_categories(self, item):
        return [item.kind, *([item.market_code] if item.market_code else [])]
