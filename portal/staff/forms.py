from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField


class PurposeForm(FlaskForm):
    purpose = SelectField(
        _l("Purpose"),
        choices=[SelectChoice("billing", _l("Billing the customer")),
                 SelectChoice("support", _l("Providing or supporting its services"))],
    )


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"),
        choices=[SelectChoice("partners", _l("Partners")),
                 SelectChoice("customers", _l("Customers")),
                 SelectChoice("products", _l("Products")),
                 SelectChoice("price_books", _l("Price books")),
                 SelectChoice("services", _l("Services")),
                 SelectChoice("tax_rates", _l("Tax rates")),
                 SelectChoice("usage", _l("Usage"))],
    )
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be imported.")),
    ])
