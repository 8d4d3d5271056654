"""Diversion (窜货): goods of a distributor surfacing outside its authorized territory.

Pure functions on plain data, to be fed by a graph read:

1. :func:`classify` puts every scan inside, legitimately outside (a product granted there, a
   contracted party there) or outside its responsible distributor's territory;
2. :func:`find_cases` groups outside scans into cases, one per distributor × destination
   region × period, raised by explicit rules (:class:`DiversionSettings`), with stable ids,
   a severity and plain-language reasons;
3. :func:`diversion_path` follows one unit's custody and finds its leak hop;
4. :func:`region_flows` and :func:`velocity` describe where goods went and how fast.
"""

from algorithms.diversion.case import DiversionCase
from algorithms.diversion.classify import Classification, ScanClass, classify, classify_one
from algorithms.diversion.distance import Centroids
from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.flows import Flow, Leg, Velocity, region_flows, velocity
from algorithms.diversion.grouping import find_cases
from algorithms.diversion.ids import case_id
from algorithms.diversion.path import (
    Channel,
    CustodyStep,
    DiversionPath,
    LeakHop,
    LeakKind,
    PathStep,
    StepKind,
    diversion_path,
    responsible_distributor,
)
from algorithms.diversion.periods import Period, PeriodKind
from algorithms.diversion.regions import RegionTree
from algorithms.diversion.scans import ScanRow, ScanTable
from algorithms.diversion.settings import DEFAULT_SETTINGS, DiversionSettings, Rule
from algorithms.diversion.severity import Severity, severity_level, severity_score
from algorithms.diversion.territory import Contract, Grant, Territory

__all__ = [
    "DEFAULT_SETTINGS",
    "Centroids",
    "Channel",
    "Classification",
    "Contract",
    "CustodyStep",
    "DiversionCase",
    "DiversionInputError",
    "DiversionPath",
    "DiversionSettings",
    "Flow",
    "Grant",
    "LeakHop",
    "LeakKind",
    "Leg",
    "PathStep",
    "Period",
    "PeriodKind",
    "RegionTree",
    "Rule",
    "ScanClass",
    "ScanRow",
    "ScanTable",
    "Severity",
    "StepKind",
    "Territory",
    "Velocity",
    "case_id",
    "classify",
    "classify_one",
    "diversion_path",
    "find_cases",
    "region_flows",
    "responsible_distributor",
    "severity_level",
    "severity_score",
    "velocity",
]
