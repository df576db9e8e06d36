"""The forms of an HTML page as a browser submits them: action, method, and the fields with
their values (hidden ones included, the CSRF token among them), read with the standard
library's parser, not the server's own template context."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

FIELD_TYPES = {"hidden", "text", "password", "email"}


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # named submit buttons

    def filled(self, button: str | None = None, **values: str) -> dict[str, str]:
        """The body a browser sends: the fields, `values` typed in, the button pressed."""
        unknown = set(values) - set(self.fields)
        assert not unknown, f"no such fields: {unknown}"
        body = {**self.fields, **values}
        if button is not None:
            body[button] = self.buttons[button]
        return body


class _Parser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urljoin(self.base_url, attributes.get("action") or self.base_url)
            self.forms.append(Form(action, attributes.get("method", "get").lower()))
        elif tag in {"input", "button"} and self.forms and "name" in attributes:
            kind = attributes.get("type", "text" if tag == "input" else "submit")
            if kind in FIELD_TYPES:
                self.forms[-1].fields[attributes["name"]] = attributes.get("value", "")
            elif kind == "submit":
                self.forms[-1].buttons[attributes["name"]] = attributes.get("value", "")


def forms_of(html: str, url: str) -> list[Form]:
    """The page's forms; relative actions resolved against the page's `url`."""
    parser = _Parser(url)
    parser.feed(html)
    return parser.forms


def form_with(html: str, url: str, name: str) -> Form:
    """The page's one POST form with a field or button called `name` (the page header's
    sign-out form has neither)."""
    forms = [
        form
        for form in forms_of(html, url)
        if form.method == "post" and (name in form.fields or name in form.buttons)
    ]
    assert len(forms) == 1, html
    return forms[0]
