"""Import cells of a column of choices (``registry.tables.Column.choices``): a download writes
each value's label in its language, so an import reads the key or the label in Vietnamese or
English, in any case and with or without diacritics."""

from django.db.models import TextChoices
from django.utils import translation
from import_export import widgets

from registry.text import fold


def keys_by_spelling(choices: type[TextChoices]) -> dict[str, str]:
    """Every accepted spelling of each value, folded: its key and its labels."""
    spellings = {fold(value): value for value in choices.values}
    for language in ("vi", "en"):
        with translation.override(language):
            spellings.update({fold(str(label)): value for value, label in choices.choices})
    return spellings


class ChoicesWidget(widgets.CharWidget):
    def __init__(self, choices: type[TextChoices], **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        # Anything else stays as written: the model's choices validation names it.
        return keys_by_spelling(self.choices).get(fold(text or ""), text)

    def render(self, value, obj=None, **kwargs):
        """The label in the active language (the import preview shows values as they read)."""
        return str(self.choices(value).label) if value in self.choices.values else value
