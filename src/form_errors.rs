//! How a refused form says what is wrong, after GOV.UK's error pattern: a summary above the form names every
//! problem and links to its field, and each field carries its own message, tied to the input by
//! `aria-describedby` and flagged by `aria-invalid`.
//!
//! These forms are posted as plain forms, with JavaScript or without, and come back as a new page. The summary
//! therefore takes the focus by `autofocus` rather than by a script, so that a screen reader starts at the
//! problem even with JavaScript off.

use leptos::prelude::*;

use crate::error::AppError;

/// One input of a form: the name it is posted under, and the `id` of its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The form field's `name`, as the server function's errors call it.
    pub name: &'static str,
    /// The input's `id`, which the summary links to and the message is named after.
    pub id: &'static str,
}

impl Field {
    /// The input posted as `name`, whose element is `id`.
    pub const fn new(name: &'static str, id: &'static str) -> Self {
        Self { name, id }
    }
}

/// What one labelled input is, apart from its error state: built as `Input::text("Name").required()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    label: &'static str,
    kind: &'static str,
    autocomplete: Option<&'static str>,
    required: bool,
    max_length: Option<usize>,
    placeholder: Option<&'static str>,
    value: Option<String>,
}

/// How an input of a kind (`text`, `email`, `password`, `url`) is written in HTML. An email address is
/// `type="text"` with the email keyboard, because browsers' `type="email"` refuses internationalised addresses
/// (`zoë@example.com`) before the form is sent, which the server accepts and the app's own check explains when
/// it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputKind {
    /// The `type` attribute.
    pub html_type: &'static str,
    /// The `inputmode` attribute, which keyboard a phone shows.
    pub inputmode: Option<&'static str>,
    /// The `autocapitalize` attribute.
    pub autocapitalize: Option<&'static str>,
    /// The `spellcheck` attribute.
    pub spellcheck: Option<&'static str>,
}

impl InputKind {
    /// The attributes of an input of `kind`.
    pub fn of(kind: &'static str) -> Self {
        match kind {
            "email" => Self {
                html_type: "text",
                inputmode: Some("email"),
                autocapitalize: Some("none"),
                spellcheck: Some("false"),
            },
            // Six digits from an authenticator app: the digit keyboard, and the browser may offer a code it
            // received (`autocomplete="one-time-code"`).
            "one-time-code" => Self {
                html_type: "text",
                inputmode: Some("numeric"),
                autocapitalize: Some("none"),
                spellcheck: Some("false"),
            },
            // A code copied letter by letter (a recovery code): nothing corrected or capitalised.
            "code" => Self {
                html_type: "text",
                inputmode: None,
                autocapitalize: Some("none"),
                spellcheck: Some("false"),
            },
            other => Self {
                html_type: other,
                inputmode: None,
                autocapitalize: None,
                spellcheck: None,
            },
        }
    }
}

impl Input {
    /// A one-line text input labelled `label`.
    pub fn text(label: &'static str) -> Self {
        Self {
            label,
            kind: "text",
            autocomplete: None,
            required: false,
            max_length: None,
            placeholder: None,
            value: None,
        }
    }

    /// An email-address input labelled `label` (see [`InputKind`]).
    pub fn email(label: &'static str) -> Self {
        Self {
            kind: "email",
            ..Self::text(label).autocomplete("email")
        }
    }

    /// A password input labelled `label`, filled in by password managers as `autocomplete` says
    /// (`current-password` or `new-password`).
    pub fn password(label: &'static str, autocomplete: &'static str) -> Self {
        Self {
            kind: "password",
            ..Self::text(label).autocomplete(autocomplete)
        }
    }

    /// A code from an authenticator app: digits, offered by the browser when it has one.
    pub fn one_time_code(label: &'static str) -> Self {
        Self {
            kind: "one-time-code",
            ..Self::text(label).autocomplete("one-time-code")
        }
    }

    /// A code copied from paper (a recovery code): nothing corrected, capitalised or remembered.
    pub fn code(label: &'static str) -> Self {
        Self {
            kind: "code",
            ..Self::text(label).autocomplete("off")
        }
    }

    /// What browsers and password managers may fill it with.
    pub fn autocomplete(self, autocomplete: &'static str) -> Self {
        Self {
            autocomplete: Some(autocomplete),
            ..self
        }
    }

    /// The browser refuses to send the form while it is empty.
    pub fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    /// At most `max_length` characters can be typed, the server's own limit for the field.
    pub fn max_length(self, max_length: usize) -> Self {
        Self {
            max_length: Some(max_length),
            ..self
        }
    }

    /// An example shown while it is empty.
    pub fn placeholder(self, placeholder: &'static str) -> Self {
        Self {
            placeholder: Some(placeholder),
            ..self
        }
    }

    /// What it holds when the page loads, such as what was typed before the form came back.
    pub fn value(self, value: String) -> Self {
        Self {
            value: Some(value),
            ..self
        }
    }
}

/// What a refused form shows: messages per field, in the form's order, and any that concern the whole form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    /// The form's own prefix for the summary's ids.
    form: &'static str,
    /// `(field, message)` for each field with something to fix.
    by_field: Vec<(Field, String)>,
    /// The message that belongs to no single field, such as "Wrong email, username or password."
    general: Option<String>,
    /// The fields the general message is about: they are marked invalid and described by it.
    blamed: Vec<Field>,
}

impl FormErrors {
    /// Sorts `error` (none: nothing to show) into the messages of `fields` and one for the whole form.
    pub fn new(form: &'static str, error: Option<&AppError>, fields: &[Field]) -> Self {
        let Some(error) = error else {
            return Self::default();
        };
        let Some(errors) = error.fields() else {
            return Self {
                form,
                general: Some(error.to_string()),
                ..Self::default()
            };
        };
        let by_field: Vec<(Field, String)> = fields
            .iter()
            .filter_map(|field| errors.get(field.name).map(|m| (*field, m.join(" "))))
            .collect();
        // A message for a field this form does not show (a hidden one, such as a link's token) is still said.
        let unshown: Vec<String> = errors
            .iter()
            .filter(|(name, _)| !fields.iter().any(|field| field.name == name.as_str()))
            .flat_map(|(_, messages)| messages.iter().cloned())
            .collect();
        let general = match (unshown.is_empty(), by_field.is_empty()) {
            (false, _) => Some(unshown.join(" ")),
            (true, true) => Some(error.to_string()),
            (true, false) => None,
        };
        Self {
            form,
            by_field,
            general,
            blamed: Vec::new(),
        }
    }

    /// Marks `fields` as the ones the general message is about, as a wrong password is about both login fields.
    pub fn blaming(mut self, fields: &[Field]) -> Self {
        if self.general.is_some() {
            self.blamed = fields.to_vec();
        }
        self
    }

    /// Whether there is nothing to show.
    fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_none()
    }

    /// The message shown under `field`, if it has one of its own.
    fn message(&self, field: Field) -> Option<String> {
        self.by_field
            .iter()
            .find(|(each, _)| *each == field)
            .map(|(_, message)| message.clone())
    }

    /// `aria-invalid` for `field`: present only on a field with something to fix.
    fn invalid(&self, field: Field) -> Option<&'static str> {
        (self.message(field).is_some() || self.blamed.contains(&field)).then_some("true")
    }

    /// `aria-describedby` for `field`: its own message, or the general one it is blamed for.
    fn described_by(&self, field: Field) -> Option<String> {
        if self.message(field).is_some() {
            Some(message_id(field))
        } else if self.blamed.contains(&field) {
            Some(self.general_id())
        } else {
            None
        }
    }

    /// `field`'s label and input, described by `input`, flagged and described by its message, and the message
    /// under it.
    pub fn input(&self, field: Field, input: Input) -> impl IntoView {
        let kind = InputKind::of(input.kind);
        view! {
            <label>
                {input.label}
                <input
                    id=field.id
                    name=field.name
                    type=kind.html_type
                    inputmode=kind.inputmode
                    autocapitalize=kind.autocapitalize
                    spellcheck=kind.spellcheck
                    autocomplete=input.autocomplete
                    required=input.required
                    maxlength=input.max_length
                    placeholder=input.placeholder
                    value=input.value
                    aria-invalid=self.invalid(field)
                    aria-describedby=self.described_by(field)
                />
            </label>
            {self.under(field)}
        }
    }

    /// The message shown under `field`'s input, when it has one.
    fn under(&self, field: Field) -> impl IntoView {
        self.message(field).map(|message| {
            view! {
                <p class="field-error" id=message_id(field)>
                    {message}
                </p>
            }
        })
    }

    fn general_id(&self) -> String {
        format!("{}-error", self.form)
    }
}

/// The `id` of the message under `field`.
fn message_id(field: Field) -> String {
    format!("{}-error", field.id)
}

/// What the form of `action` came back refused for, if it did: read once, as the page is rendered.
pub fn refusal<A>(action: ServerAction<A>) -> Option<AppError>
where
    A: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    action.value().get_untracked().and_then(Result::err)
}

/// The summary above a refused form: "There is a problem", then each message, linked to its field. It takes the
/// focus when the page loads; nothing is rendered when there is nothing to say.
#[component]
pub fn ErrorSummary(errors: FormErrors) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        let title_id = format!("{}-summary-title", errors.form);
        let general_id = errors.general_id();
        view! {
            <div
                class="error-summary"
                role="alert"
                tabindex="-1"
                autofocus=true
                aria-labelledby=title_id.clone()
            >
                <h2 id=title_id.clone()>"There is a problem"</h2>
                <ul>
                    {errors.general.map(|message| view! { <li id=general_id>{message}</li> })}
                    {errors
                        .by_field
                        .into_iter()
                        .map(|(field, message)| {
                            view! {
                                <li>
                                    <a href=format!("#{}", field.id)>{message}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldErrors;

    const EMAIL: Field = Field::new("email", "f-email");
    const PASSWORD: Field = Field::new("password", "f-password");

    fn refused(fields: &[(&str, &str)]) -> AppError {
        let mut errors = FieldErrors::default();
        for (field, message) in fields {
            errors.add(field, *message);
        }
        AppError::Validation(errors)
    }

    #[test]
    fn each_field_gets_its_own_message_and_nothing_is_general() {
        let error = refused(&[("email", "Enter an address."), ("password", "Too short.")]);
        let errors = FormErrors::new("f", Some(&error), &[EMAIL, PASSWORD]);
        assert_eq!(errors.message(EMAIL).as_deref(), Some("Enter an address."));
        assert_eq!(errors.invalid(PASSWORD), Some("true"));
        assert_eq!(errors.described_by(EMAIL).as_deref(), Some("f-email-error"));
        assert_eq!(errors.general, None);
    }

    #[test]
    fn a_message_for_a_field_the_form_does_not_show_is_said_for_the_whole_form() {
        let error = refused(&[
            ("token", "This link is broken."),
            ("password", "Too short."),
        ]);
        let errors = FormErrors::new("f", Some(&error), &[PASSWORD]);
        assert_eq!(errors.general.as_deref(), Some("This link is broken."));
        assert_eq!(errors.message(PASSWORD).as_deref(), Some("Too short."));
    }

    #[test]
    fn a_general_error_marks_only_the_fields_it_blames() {
        let error = AppError::InvalidCredentials;
        let plain = FormErrors::new("f", Some(&error), &[EMAIL, PASSWORD]);
        assert_eq!(
            plain.general.as_deref(),
            Some("Wrong email, username or password.")
        );
        assert_eq!(plain.invalid(EMAIL), None);
        let blamed = plain.blaming(&[EMAIL]);
        assert_eq!(blamed.invalid(EMAIL), Some("true"));
        assert_eq!(blamed.described_by(EMAIL).as_deref(), Some("f-error"));
        assert_eq!(blamed.invalid(PASSWORD), None);
    }

    #[test]
    fn no_error_shows_nothing() {
        let errors = FormErrors::new("f", None, &[EMAIL]);
        assert!(errors.is_empty());
        assert_eq!(errors.invalid(EMAIL), None);
        assert_eq!(errors.described_by(EMAIL), None);
    }
}
