// The part of Shopify's Admin GraphQL schema (2026-07) the fake serves: names and shapes as shopify.dev documents
// them, so a query PostFlow sends that the real API would refuse is refused here too.
export const SHOPIFY_SDL = /* GraphQL */ `
  scalar DateTime
  scalar URL
  scalar Decimal
  scalar UnsignedInt64

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }
  enum CurrencyCode {
    EUR
    USD
    GBP
    JPY
  }
  enum WebhookSubscriptionTopic {
    PRODUCTS_CREATE
    PRODUCTS_UPDATE
    PRODUCTS_DELETE
    APP_UNINSTALLED
    BULK_OPERATIONS_FINISH
    INVENTORY_LEVELS_UPDATE
    APP_SUBSCRIPTIONS_UPDATE
    CUSTOMERS_DATA_REQUEST
    CUSTOMERS_REDACT
    SHOP_REDACT
  }
  enum WebhookSubscriptionFormat {
    JSON
    XML
  }
  enum BulkOperationStatus {
    CANCELED
    CANCELING
    COMPLETED
    CREATED
    EXPIRED
    FAILED
    RUNNING
  }
  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean
    endCursor: String
    startCursor: String
  }
  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }
  type ProductPriceRangeV2 {
    minVariantPrice: MoneyV2!
    maxVariantPrice: MoneyV2!
  }
  type ProductCompareAtPriceRange {
    minVariantCompareAtPrice: MoneyV2!
    maxVariantCompareAtPrice: MoneyV2!
  }
  type Image {
    url: URL!
    altText: String
    width: Int
    height: Int
  }
  type ImageEdge {
    node: Image!
    cursor: String!
  }
  type ImageConnection {
    nodes: [Image!]!
    edges: [ImageEdge!]!
    pageInfo: PageInfo!
  }
  type ProductVariant {
    id: ID!
    price: Decimal!
    compareAtPrice: Decimal
    inventoryQuantity: Int
    inventoryItem: InventoryItem!
    product: Product!
  }
  type InventoryItem implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    tracked: Boolean!
    variant: ProductVariant!
  }
  type ProductVariantEdge {
    node: ProductVariant!
    cursor: String!
  }
  type ProductVariantConnection {
    nodes: [ProductVariant!]!
    edges: [ProductVariantEdge!]!
    pageInfo: PageInfo!
  }

  interface Node {
    id: ID!
  }

  type Product implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    description: String!
    descriptionHtml: String!
    vendor: String!
    productType: String!
    tags: [String!]!
    status: ProductStatus!
    publishedAt: DateTime
    onlineStoreUrl: URL
    createdAt: DateTime!
    updatedAt: DateTime!
    totalInventory: Int!
    priceRangeV2: ProductPriceRangeV2!
    compareAtPriceRange: ProductCompareAtPriceRange
    featuredImage: Image
    images(first: Int, after: String): ImageConnection!
    variants(first: Int, after: String): ProductVariantConnection!
  }
  type ProductEdge {
    node: Product!
    cursor: String!
  }
  type ProductConnection {
    nodes: [Product!]!
    edges: [ProductEdge!]!
    pageInfo: PageInfo!
  }

  type Domain {
    url: URL!
  }
  type Shop {
    name: String!
    myshopifyDomain: String!
    currencyCode: CurrencyCode!
    primaryDomain: Domain!
  }

  type WebhookHttpEndpoint {
    callbackUrl: URL!
  }
  union WebhookSubscriptionEndpoint = WebhookHttpEndpoint
  type WebhookSubscription implements Node {
    id: ID!
    topic: WebhookSubscriptionTopic!
    uri: String!
    endpoint: WebhookSubscriptionEndpoint!
  }
  type WebhookSubscriptionEdge {
    node: WebhookSubscription!
    cursor: String!
  }
  type WebhookSubscriptionConnection {
    nodes: [WebhookSubscription!]!
    edges: [WebhookSubscriptionEdge!]!
    pageInfo: PageInfo!
  }
  input WebhookSubscriptionInput {
    uri: String
    callbackUrl: URL
    format: WebhookSubscriptionFormat
    includeFields: [String!]
  }
  type UserError {
    field: [String!]
    message: String!
  }
  type WebhookSubscriptionCreatePayload {
    webhookSubscription: WebhookSubscription
    userErrors: [UserError!]!
  }

  type BulkOperation implements Node {
    id: ID!
    status: BulkOperationStatus!
    errorCode: BulkOperationErrorCode
    objectCount: UnsignedInt64!
    fileSize: UnsignedInt64
    url: URL
    partialDataUrl: URL
    createdAt: DateTime!
    completedAt: DateTime
  }
  type BulkOperationRunQueryPayload {
    bulkOperation: BulkOperation
    userErrors: [UserError!]!
  }

  enum AppSubscriptionStatus {
    ACTIVE
    CANCELLED
    DECLINED
    EXPIRED
    FROZEN
    PENDING
    ACCEPTED
  }
  enum AppPricingInterval {
    ANNUAL
    EVERY_30_DAYS
  }
  enum AppSubscriptionReplacementBehavior {
    APPLY_IMMEDIATELY
    APPLY_ON_NEXT_BILLING_CYCLE
    STANDARD
  }
  type AppRecurringPricing {
    interval: AppPricingInterval!
    price: MoneyV2!
  }
  union AppPricingDetails = AppRecurringPricing
  type AppPlanV2 {
    pricingDetails: AppPricingDetails!
  }
  type AppSubscriptionLineItem {
    id: ID!
    plan: AppPlanV2!
  }
  type AppSubscription implements Node {
    id: ID!
    name: String!
    status: AppSubscriptionStatus!
    test: Boolean!
    trialDays: Int!
    createdAt: DateTime!
    currentPeriodEnd: DateTime
    returnUrl: URL!
    lineItems: [AppSubscriptionLineItem!]!
  }
  type AppInstallation {
    id: ID!
    activeSubscriptions: [AppSubscription!]!
  }
  input MoneyInput {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }
  input AppRecurringPricingInput {
    price: MoneyInput!
    interval: AppPricingInterval
  }
  input AppPlanInput {
    appRecurringPricingDetails: AppRecurringPricingInput
  }
  input AppSubscriptionLineItemInput {
    plan: AppPlanInput!
  }
  type AppSubscriptionCreatePayload {
    appSubscription: AppSubscription
    confirmationUrl: URL
    userErrors: [UserError!]!
  }
  type AppSubscriptionCancelPayload {
    appSubscription: AppSubscription
    userErrors: [UserError!]!
  }

  type Query {
    shop: Shop!
    inventoryItem(id: ID!): InventoryItem
    currentAppInstallation: AppInstallation!
    product(id: ID!): Product
    products(first: Int!, after: String, query: String): ProductConnection!
    webhookSubscriptions(first: Int!, after: String, topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
    currentBulkOperation: BulkOperation
    node(id: ID!): Node
  }
  type Mutation {
    webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
    bulkOperationRunQuery(query: String!): BulkOperationRunQueryPayload
    appSubscriptionCreate(
      name: String!
      lineItems: [AppSubscriptionLineItemInput!]!
      returnUrl: URL!
      test: Boolean
      trialDays: Int
      replacementBehavior: AppSubscriptionReplacementBehavior
    ): AppSubscriptionCreatePayload
    appSubscriptionCancel(id: ID!, prorate: Boolean): AppSubscriptionCancelPayload
  }
`;
