"""Spreadsheets in the admin: "Download CSV" and "Download XLSX" of exactly what the changelist
shows (its filters, search and ordering), "download selected" actions, and the import with
sample files.

The import is django-import-export's preview-then-confirm, made all-or-nothing: confirming
re-validates every row against the database as it is then, and when any row fails, nothing is
written and the page lists the errors (row, column, value, message) under a fresh upload form.
Uploads are bounded (``registry.imports`` limits, shown as form errors); the previewed file is
deleted when it is confirmed, when its preview shows errors, and by ``expire_import_files``."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from registry import exports, imports, xlsx_exports
from registry.tables import TABLES_BY_MODEL


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


class SpreadsheetAdminMixin(ImportMixin):
    import_export_change_list_template = "admin/registry/spreadsheet_change_list.html"
    import_template_name = "admin/registry/spreadsheet_import.html"
    import_form_class = SpreadsheetImportForm
    tmp_storage_class = imports.UploadStorage
    from_encoding = "utf-8-sig"

    # --- Import: preview ---------------------------------------------------------------------

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "import_limits": {
                "upload_mb": imports.megabytes(settings.IMPORT_MAX_UPLOAD_BYTES),
                "rows": f"{settings.IMPORT_MAX_ROWS:,}",
            },
        }

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, imports.ImportLimitError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        """The preview; a file that cannot be confirmed (refused, unreadable, or with errors)
        is deleted at once instead of waiting for its expiry."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        # The stored name is set on the uploaded file (a form error drops it from cleaned_data).
        stored = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if stored and not context.get("confirm_form"):
            self.upload_storage(stored, None).remove()
        return response

    def write_to_tmp_storage(self, import_file, input_format):
        """As django-import-export's, without its quadratic ``data += chunk``."""
        storage = self.get_tmp_storage_class()(
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        storage.save(b"".join(import_file.chunks()))
        return storage

    def upload_storage(self, name, input_format):
        binary = input_format is None or input_format.is_binary()
        return self.get_tmp_storage_class()(
            name=name,
            encoding=None if binary else self.from_encoding,
            read_mode="rb" if input_format is None else input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )

    # --- Import: confirmation ----------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Read the previewed file again and import it in one transaction, every row validated
        anew: any error or invalid row rolls all of it back, and the errors are shown."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        formats = self.get_import_formats()
        chosen = confirm_form.cleaned_data["format"]
        if not (chosen.isdigit() and int(chosen) < len(formats)):
            return HttpResponseBadRequest("Unknown format.")
        input_format = formats[int(chosen)](encoding=self.from_encoding)
        storage = self.upload_storage(confirm_form.cleaned_data["import_file_name"], input_format)
        try:
            try:
                storage.claim()
                dataset = input_format.create_dataset(storage.read())
            except imports.UploadExpired:
                messages.error(
                    request,
                    gettext(
                        "This preview has expired or was already imported; "
                        "nothing was imported. Upload the file again."
                    ),
                )
                return HttpResponseRedirect(
                    reverse(
                        "admin:{}_{}_import".format(*self.get_model_info()),
                        current_app=self.admin_site.name,
                    )
                )
            except imports.ImportLimitError as error:
                return self.refused_import(request, file_error=str(error))
            result = self.process_dataset(
                dataset,
                confirm_form,
                request,
                raise_errors=False,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        finally:
            storage.remove()
        if result.has_errors() or result.has_validation_errors():
            return self.refused_import(request, result=result)
        return self.process_result(result, request)

    def refused_import(self, request, result=None, file_error=None):
        """The import page after a confirmation that wrote nothing: the errors, and a fresh
        upload form for the corrected file."""
        form_class = self.get_import_form_class(request)
        form = form_class(
            self.get_import_formats(),
            self.get_import_resource_classes(request),
            initial=self.get_import_form_initial(request),
        )
        message = gettext(
            "Nothing was imported: the file no longer passes the checks. "
            "Correct it and upload it again."
        )
        if file_error:
            message = f"{message} {file_error}"
        messages.error(request, message)
        resources = [
            resource_class(**self.get_import_resource_kwargs(request=request, form=form))
            for resource_class in self.get_import_resource_classes(request)
        ]
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": gettext("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [f.column_name for f in resource.get_user_visible_fields()],
                )
                for resource in resources
            ],
            "import_error_display": self.import_error_display,
            "result": result,
            "refused_at_confirmation": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

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
