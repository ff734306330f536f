"""Storage: the only place with SQL. ``Database`` opens the engine and hands out repositories
bound to one transaction (``async with db.transaction() as repos``).
"""

from tg_parser.store.api_keys import KeyNameTakenError, StoredKey
from tg_parser.store.batches import Batch
from tg_parser.store.channels import ChannelCounts
from tg_parser.store.database import Database, Repositories
from tg_parser.store.documents import PendingMessage, StoredDocument
from tg_parser.store.embeddings import StoredVector
from tg_parser.store.failures import Failure, FailureRecord
from tg_parser.store.knowledge import KnowledgeMessage, KnowledgeTopic, MessageFilter
from tg_parser.store.llm_calls import UsageRow
from tg_parser.store.messages import StoreResult
from tg_parser.store.sources import ChannelLabel
from tg_parser.store.topics import StoredTopic, TopicMembership, TopicTarget
from tg_parser.store.webhooks import Delivery, Webhook

__all__ = [
    "Batch",
    "ChannelCounts",
    "ChannelLabel",
    "Database",
    "Delivery",
    "Failure",
    "FailureRecord",
    "KeyNameTakenError",
    "KnowledgeMessage",
    "KnowledgeTopic",
    "MessageFilter",
    "PendingMessage",
    "Repositories",
    "StoreResult",
    "StoredDocument",
    "StoredKey",
    "StoredTopic",
    "StoredVector",
    "TopicMembership",
    "TopicTarget",
    "UsageRow",
    "Webhook",
]
