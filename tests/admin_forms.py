"""What an admin page (staff or /track/) would post back, and where its errors are."""

from django.utils import translation


def admin_form_data(response) -> dict:
    """Everything an admin change/add page would post back unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is None or value is False:
                    continue
                data[inline_form.add_prefix(name)] = "on" if value is True else str(value)
    return data


def row_prefix(data: dict, pk) -> str:
    """The prefix of the inline row holding the object `pk` (`talks-2`)."""
    return next(k for k, v in data.items() if k.endswith("-id") and v == str(pk))[: -len("-id")]


def add_row(data: dict, prefix: str, **fields) -> None:
    """Append a new inline row to the formset `prefix` of posted `data`."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    for name, value in fields.items():
        data[f"{prefix}-{n}-{name}"] = value


def field_errors(response, name) -> list:
    """The ValidationErrors a re-shown admin page holds on the main form's field `name`."""
    return response.context["adminform"].form.errors.as_data().get(name, [])


def inline_errors(response) -> list:
    """[(row prefix, field, ValidationError)] of every inline row's errors on the page."""
    found = []
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            for name, errors in form.errors.as_data().items():
                found.extend((form.prefix, name, error) for error in errors)
    return found


def shown(response, message) -> bool:
    """True when `message` (lazy) is on the page, in the language the page was made in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = str(message)
    return text in response.content.decode()


def constraint_message(model, name):
    """The message the model's constraint `name` refuses a row with."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return constraint.violation_error_message
