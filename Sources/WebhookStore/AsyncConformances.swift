import WebhookCore

// The embedded stores answer at once, so their synchronous methods are their asynchronous
// ones (AsyncStores.swift): the server and the dispatcher await them like any other store.

extension SQLiteStore: AsyncWebhookBackend, AsyncDeliveryStore, AsyncMailStore, AsyncDataClearing {
    public func webhooks(account: String) throws(WebhookError) -> any AsyncWebhookService {
        try memberAccount(account)
    }
}

extension SQLiteAccount: AsyncWebhookService {}

extension MemoryStore: AsyncWebhookBackend, AsyncDeliveryStore, AsyncMailStore, AsyncDataClearing {
    public func webhooks(account: String) -> any AsyncWebhookService {
        memberAccount(account)
    }
}

extension MemoryAccount: AsyncWebhookService {}
