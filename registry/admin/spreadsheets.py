"""Spreadsheets in the admin: "Download CSV" and "Download XLSX" of exactly what the changelist
shows (its filters, search and ordering), "download selected" actions, and the import with
sample files.

The import is preview-then-confirm, as an ``ImportJob`` (``registry.import_jobs``): the upload
leads to the job's page, which shows a progress bar while the worker (or the request, for small
files and on SQLite) previews the file, then the counts (new, updated, unchanged, errors),
every error (row, column, value, message) and the changed rows, a page at a time. Confirming
re-validates every row against the database as it is then and applies all of them in one
transaction, or none and the page lists why. Uploads are bounded (``registry.imports`` limits,
shown as form errors); the previewed file is deleted when it is applied, when its preview shows
errors, and by ``expire_import_files``."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from registry import exports, import_jobs, imports, xlsx_exports
from registry.choice_widget import keys_by_spelling
from registry.models import ImportJob, ImportState
from registry.tables import TABLES_BY_MODEL
from registry.text import fold


def readable_changes(resource, changes: list[dict], columns_of: dict | None = None) -> list[dict]:
    """Changed rows as the preview shows them: each column by its label and each value of a
    column of choices ("export", "tạm dừng") by its label, in the reader's language. The job's
    summary keeps them as the file wrote them, in whatever language it was previewed."""
    table = resource.table
    columns = {c.key: c for c in table.columns + table.market_columns(resource.markets())}
    spellings = {}

    def readable(header: str, before: str, after: str) -> list[str]:
        key = (columns_of or {}).get(header) or resource.header_keys([header])[0]
        column = columns.get(key)
        if column is None:
            return [header, before, after]
        if column.choices is not None:
            if column.key not in spellings:
                spellings[column.key] = keys_by_spelling(column.choices)
            known = spellings[column.key]
            before, after = (
                str(column.choices(known[fold(v)]).label) if fold(v) in known else v
                for v in (before, after)
            )
        return [str(column.label), before, after]

    return [
        {**change, "cells": [readable(*cell) for cell in change["cells"]]} for change in changes
    ]


class SpreadsheetImportForm(ImportForm):
    """The upload form, refusing a file over ``IMPORT_MAX_UPLOAD_BYTES`` before it is stored
    or read."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            imports.check_upload_size(upload.size)
        except imports.ImportLimitError as error:
            raise ValidationError(str(error), code="limit") from error
        return upload


@admin.action(description=_("Download selected rows as CSV"), permissions=["view"])
def download_selected_csv(modeladmin, request, queryset):
    table = TABLES_BY_MODEL[modeladmin.model]
    return exports.csv_response(table, queryset, exports.filename(table, {"selected": ["rows"]}))


@admin.action(description=_("Download selected rows as XLSX"), permissions=["view"])
def download_selected_xlsx(modeladmin, request, queryset):
    table = TABLES_BY_MODEL[modeladmin.model]
    name = exports.filename(table, {"selected": ["rows"]}, extension="xlsx")
    return xlsx_exports.xlsx_response(table, queryset, name)


PREVIEW_PAGE_SIZE = 100
ERRORS_PAGE_SIZE = 500


def done_message(counts: dict) -> str:
    return gettext("Import finished: %(new)s new, %(update)s updated, %(skip)s unchanged.") % {
        key: counts.get(key, 0) for key in ("new", "update", "skip")
    }


class SpreadsheetAdminMixin(ImportMixin):
    import_export_change_list_template = "admin/registry/spreadsheet_change_list.html"
    import_template_name = "admin/registry/spreadsheet_import.html"
    import_form_class = SpreadsheetImportForm
    tmp_storage_class = imports.UploadStorage
    from_encoding = "utf-8-sig"

    # --- Import: upload --------------------------------------------------------------------

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "import_limits": {
                "upload_mb": imports.megabytes(settings.IMPORT_MAX_UPLOAD_BYTES),
                "rows": f"{settings.IMPORT_MAX_ROWS:,}",
            },
        }

    def import_action(self, request, **kwargs):
        """The upload form; a valid upload becomes an ``ImportJob``, previewed now (small
        files, SQLite) or by the worker, and the browser goes to the job's page. A file refused
        by the limits or unreadable is a form error and is not kept."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return super().import_action(request, **kwargs)
        form = self.create_import_form(request)
        if not form.is_valid():
            return super().import_action(request, **kwargs)
        formats = self.get_import_formats()
        file_format = int(form.cleaned_data["format"])
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        try:
            rows = imports.count_rows(data, formats[file_format]())
        except imports.ImportLimitError as error:
            return self.upload_refused(request, form, str(error))
        except Exception:
            return self.upload_refused(
                request, form, gettext("The file could not be read as the chosen format.")
            )
        if rows == 0:
            return self.upload_refused(
                request,
                form,
                gettext("The file has no rows to import under its header."),
            )
        storage = imports.UploadStorage()
        storage.save(data)
        del data
        job = ImportJob(
            resource=TABLES_BY_MODEL[self.model].resource,
            file_name=storage.name,
            file_format=file_format,
            original_name=upload.name[:255],
            user=request.user,
            rows_total=rows,
            in_background=import_jobs.runs_in_background(rows),
        )
        import_jobs.start_preview(job)
        return HttpResponseRedirect(self.job_url(job))

    def upload_refused(self, request, form, message):
        form.add_error("import_file", message)
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": gettext("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": self.fields_list(request, form),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def fields_list(self, request, form):
        resources = [
            resource_class(**self.get_import_resource_kwargs(request=request, form=form))
            for resource_class in self.get_import_resource_classes(request)
        ]
        return [
            (r.get_display_name(), [f.column_name for f in r.get_user_visible_fields()])
            for r in resources
        ]

    # --- Import: the job's page (progress, preview, outcome) -------------------------------

    def job_url(self, job) -> str:
        info = self.get_model_info()
        return reverse(
            "admin:{}_{}_import_job".format(*info), args=[job.pk], current_app=self.admin_site.name
        )

    def get_job(self, request, job_id):
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=job_id, resource=TABLES_BY_MODEL[self.model].resource)
        if job.user_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        return job

    def import_job_view(self, request, job_id):
        """Where the upload leads: a progress bar while the job runs (it polls
        ``progress.json`` and survives a reload), then the preview (counts, every error,
        changed rows a page at a time, the confirm button) or the outcome."""
        job = self.get_job(request, job_id)
        summary = job.summary or {}
        changes = Paginator(summary.get("changes", []), PREVIEW_PAGE_SIZE)
        problems = Paginator(summary.get("problems", []), ERRORS_PAGE_SIZE)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import"),
            "opts": self.model._meta,
            "job": job,
            "counts": summary.get("counts", {}),
            "changes_page": changes.get_page(request.GET.get("page")),
            "changes_total": summary.get("changes_total", 0),
            "changes_shown": len(summary.get("changes", [])),
            "problems_page": problems.get_page(request.GET.get("errors")),
            "problems_total": summary.get("problems_total", 0),
            "problems_shown": len(summary.get("problems", [])),
            # nothing to confirm when no row would change (a file downloaded and sent back)
            "confirmable": job.state == ImportState.PREVIEWED
            and not job.errors_count
            and summary.get("changes_total", 0) > 0,
            "unchanged_file": job.state == ImportState.PREVIEWED
            and not job.errors_count
            and not summary.get("changes_total", 0),
            "progress_url": self.job_url(job) + "progress.json",
            "import_url": reverse(
                "admin:{}_{}_import".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            ),
        }
        page = context["changes_page"]
        page.object_list = readable_changes(
            import_jobs.resource_for(job), page.object_list, summary.get("columns")
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, ["admin/registry/import_job.html"], context)

    def import_progress(self, request, job_id):
        """The job's state and progress as JSON, for the progress bar."""
        job = self.get_job(request, job_id)
        return JsonResponse(
            {
                "state": job.state,
                "state_display": job.get_state_display(),
                "running": job.running,
                "rows_total": job.rows_total,
                "rows_done": job.rows_done,
                "errors": job.errors_count,
                "attempts": job.attempts,
                "message": job.message,
            }
        )

    # --- Import: confirmation ----------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Apply a previewed job: every row is validated again against the registry as it is
        then and written in one transaction, or nothing is (the job's page then lists why).
        Applied in the request for small files (then back to the list), else by the worker
        (then to the job's page, which shows the progress)."""
        job_id = request.POST.get("job", "")
        if not job_id.isdigit():
            return HttpResponseBadRequest("Unknown import.")
        job = self.get_job(request, int(job_id))
        try:
            job = import_jobs.start_apply(job.pk)
        except import_jobs.NotConfirmable:
            messages.error(request, import_jobs.expired_message())
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_import".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        if job.state == ImportState.DONE:
            messages.success(request, done_message(job.counts))
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_changelist".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        return HttpResponseRedirect(self.job_url(job))

    def get_import_formats(self):
        return imports.IMPORT_FORMATS

    def get_resource_classes(self, request=None):
        return [imports.RESOURCES[self.model]]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_or_change_permission(request):
            actions["download_selected_csv"] = self.get_action(download_selected_csv)
            actions["download_selected_xlsx"] = self.get_action(download_selected_xlsx)
        return actions

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "download.csv",
                self.admin_site.admin_view(self.download_csv),
                name=f"{name}_download",
            ),
            path(
                "download.xlsx",
                self.admin_site.admin_view(self.download_xlsx),
                name=f"{name}_download_xlsx",
            ),
            path(
                "import/sample.csv",
                self.admin_site.admin_view(self.sample_csv),
                name=f"{name}_import_sample",
            ),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name=f"{name}_import_job",
            ),
            path(
                "import/<int:job_id>/progress.json",
                self.admin_site.admin_view(self.import_progress),
                name=f"{name}_import_progress",
            ),
            *super().get_urls(),
        ]

    def download_csv(self, request):
        return self.download(request, "csv")

    def download_xlsx(self, request):
        return self.download(request, "xlsx")

    def download(self, request, file_format: str):
        """The changelist's own queryset: its filters, search and ordering, every page."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter.")
        table = TABLES_BY_MODEL[self.model]
        params = {k: request.GET.getlist(k) for k in request.GET if k not in ("o", "p")}
        name = exports.filename(table, params, extension=file_format)
        if file_format == "xlsx":
            return xlsx_exports.xlsx_response(table, changelist.queryset, name)
        return exports.csv_response(table, changelist.queryset, name)

    def sample_csv(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        language = translation.get_language()
        response = HttpResponse(
            imports.sample_csv(self.model, language), content_type="text/csv; charset=utf-8"
        )
        table = TABLES_BY_MODEL[self.model]
        response["Content-Disposition"] = f'attachment; filename="{table.resource}-sample.csv"'
        return response
