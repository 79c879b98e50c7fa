"""The words on the buttons: the labels live in casework.labels, since the notices use them too."""

from casework.labels import AUDIT_ACTION_LABELS, TRANSITION_LABELS, audit_action_label, transition_label

__all__ = ["AUDIT_ACTION_LABELS", "TRANSITION_LABELS", "audit_action_label", "transition_label"]
