"""The audit trail in the admin site, read-only for everyone, superusers included: listed and
shown with `audit.view_auditevent`; no add, change or delete page, no action. Built for
millions of events: no COUNT(*) over the table, no SELECT DISTINCT for a filter, no facets."""

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.models import AuditEvent

# The changelist counts at most this many matching events; later pages are reached by
# narrowing the list (filters, search), not by page number.
COUNT_LIMIT = 10_000
TARGET_TYPES = ("user", "group", "application", "token")

if TYPE_CHECKING:
    EventAdminBase = admin.ModelAdmin[AuditEvent]
else:  # not subscriptable at run time
    EventAdminBase = admin.ModelAdmin


class LimitedCountPaginator(Paginator):  # type: ignore[type-arg]
    """Django's changelist asks its paginator for a count on every page view: this one counts
    over a LIMIT, so the cost is bounded however many events there are."""

    limit = COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        events: QuerySet[AuditEvent] = self.object_list  # type: ignore[assignment]
        return events[: self.limit].count()


class TargetTypeFilter(admin.SimpleListFilter):
    # A fixed list: Django's default for a plain field reads SELECT DISTINCT over the table.
    title = "target type"
    parameter_name = "target_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in TARGET_TYPES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(target_type=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(EventAdminBase):
    list_display = ("at", "action", "actor", "client_id", "target", "ip", "request_id")
    list_filter = ("action", TargetTypeFilter)
    search_fields = ("actor_username", "target_label", "=request_id")
    ordering = ("-at", "-id")  # the index audit_event_at_id
    list_per_page = 50
    paginator = LimitedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ()
    fields = (
        "id",
        "at",
        "action",
        "actor_id",
        "actor_username",
        "client_id",
        "scopes",
        "ip",
        "request_id",
        "target_type",
        "target_id",
        "target_label",
        "changes_shown",
        "previous_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description="actor")
    def actor(self, event: AuditEvent) -> str:
        return f"{event.actor_username} ({event.actor_id})" if event.actor_id else "-"

    @admin.display(description="target")
    def target(self, event: AuditEvent) -> str:
        return f"{event.target_type} {event.target_id} {event.target_label}".strip()

    @admin.display(description="changes")
    def changes_shown(self, event: AuditEvent) -> SafeString:
        text = json.dumps(event.changes, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
