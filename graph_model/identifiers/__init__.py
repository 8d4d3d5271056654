"""Identifiers of units, packages and locations: GS1 keys, EPC URNs, Digital Link URIs and
opaque brand codes.

The entry points are :func:`parse_unit_identifier`, :func:`parse_package_identifier` and
:func:`parse_epc`; serials are issued with :func:`generate_serials`.
"""

from graph_model.identifiers.codes import DrugCode, normalize_brand_code, normalize_drug_code
from graph_model.identifiers.digital_links import DigitalLink, digital_link, parse_digital_link
from graph_model.identifiers.epc import Epc, epc_to_digital_link, parse_epc
from graph_model.identifiers.gs1 import normalize_gtin, validate_gln, validate_sscc
from graph_model.identifiers.serials import (
    SerialScheme,
    brand_code,
    generate_brand_codes,
    generate_serials,
    guess_probability,
)
from graph_model.identifiers.units import (
    PackageId,
    UnitId,
    parse_package_identifier,
    parse_unit_identifier,
)

__all__ = [
    "DigitalLink",
    "DrugCode",
    "Epc",
    "PackageId",
    "SerialScheme",
    "UnitId",
    "brand_code",
    "digital_link",
    "epc_to_digital_link",
    "generate_brand_codes",
    "generate_serials",
    "guess_probability",
    "normalize_brand_code",
    "normalize_drug_code",
    "normalize_gtin",
    "parse_digital_link",
    "parse_epc",
    "parse_package_identifier",
    "parse_unit_identifier",
    "validate_gln",
    "validate_sscc",
]
