"""Contains all the data models used in inputs/outputs"""

from .agentgateway_config import AgentgatewayConfig
from .applies_to import AppliesTo
from .applies_to_mode import AppliesToMode
from .audit_action import AuditAction
from .audit_record import AuditRecord
from .audit_record_after_type_0 import AuditRecordAfterType0
from .audit_record_before_type_0 import AuditRecordBeforeType0
from .audit_record_list import AuditRecordList
from .audit_resource_type import AuditResourceType
from .bedrock_guardrail import BedrockGuardrail
from .bedrock_guardrail_mode import BedrockGuardrailMode
from .budget import Budget
from .budget_create import BudgetCreate
from .budget_list import BudgetList
from .budget_period import BudgetPeriod
from .budget_update import BudgetUpdate
from .budget_utilisation import BudgetUtilisation
from .client_credentials import ClientCredentials
from .detector import Detector
from .detector_rule import DetectorRule
from .enforcement import Enforcement
from .field_error import FieldError
from .get_routing_config_format import GetRoutingConfigFormat
from .long_context_price import LongContextPrice
from .model_limit import ModelLimit
from .model_limit_utilisation import ModelLimitUtilisation
from .model_usage import ModelUsage
from .month_usage import MonthUsage
from .price import Price
from .price_list import PriceList
from .price_override import PriceOverride
from .price_source import PriceSource
from .problem import Problem
from .regex_rule import RegexRule
from .retry_policy import RetryPolicy
from .routing_rule import RoutingRule
from .routing_rule_create import RoutingRuleCreate
from .routing_rule_list import RoutingRuleList
from .routing_rule_update import RoutingRuleUpdate
from .routing_strategy import RoutingStrategy
from .routing_target import RoutingTarget
from .scanner_action import ScannerAction
from .scanner_phase import ScannerPhase
from .scanner_policy import ScannerPolicy
from .scanner_policy_create import ScannerPolicyCreate
from .scanner_policy_list import ScannerPolicyList
from .scanner_policy_update import ScannerPolicyUpdate
from .team import Team
from .team_create import TeamCreate
from .team_list import TeamList
from .team_registration import TeamRegistration
from .team_status import TeamStatus
from .team_update import TeamUpdate
from .team_usage import TeamUsage
from .tier import Tier
from .usage_history import UsageHistory
from .usage_totals import UsageTotals

__all__ = (
    "AgentgatewayConfig",
    "AppliesTo",
    "AppliesToMode",
    "AuditAction",
    "AuditRecord",
    "AuditRecordAfterType0",
    "AuditRecordBeforeType0",
    "AuditRecordList",
    "AuditResourceType",
    "BedrockGuardrail",
    "BedrockGuardrailMode",
    "Budget",
    "BudgetCreate",
    "BudgetList",
    "BudgetPeriod",
    "BudgetUpdate",
    "BudgetUtilisation",
    "ClientCredentials",
    "Detector",
    "DetectorRule",
    "Enforcement",
    "FieldError",
    "GetRoutingConfigFormat",
    "LongContextPrice",
    "ModelLimit",
    "ModelLimitUtilisation",
    "ModelUsage",
    "MonthUsage",
    "Price",
    "PriceList",
    "PriceOverride",
    "PriceSource",
    "Problem",
    "RegexRule",
    "RetryPolicy",
    "RoutingRule",
    "RoutingRuleCreate",
    "RoutingRuleList",
    "RoutingRuleUpdate",
    "RoutingStrategy",
    "RoutingTarget",
    "ScannerAction",
    "ScannerPhase",
    "ScannerPolicy",
    "ScannerPolicyCreate",
    "ScannerPolicyList",
    "ScannerPolicyUpdate",
    "Team",
    "TeamCreate",
    "TeamList",
    "TeamRegistration",
    "TeamStatus",
    "TeamUpdate",
    "TeamUsage",
    "Tier",
    "UsageHistory",
    "UsageTotals",
)
