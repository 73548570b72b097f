/**
 * Meta's Marketing API enums, as the Graph SDK specs list them (graph-api-specs/enum_types.json).
 * Only the values Grantline accepts are here; the comments say where a list is narrower than Meta's.
 */

/** Configured status of campaigns, ad sets and ads. */
export const AD_OBJECT_STATUSES = ["ACTIVE", "PAUSED", "ARCHIVED", "DELETED"] as const;
export type AdObjectStatus = (typeof AD_OBJECT_STATUSES)[number];

/** Status a new object may be created with (ARCHIVED and DELETED only come later). */
export const CREATE_STATUSES = ["ACTIVE", "PAUSED"] as const;

/** What `effective_status` filters accept on every list edge (Meta's list for campaigns, ad sets and ads). */
export const EFFECTIVE_STATUSES = [
  "ACTIVE", "ADSET_PAUSED", "ARCHIVED", "CAMPAIGN_PAUSED", "DELETED", "DISAPPROVED", "IN_PROCESS", "PAUSED",
  "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED", "WITH_ISSUES",
] as const;
export type EffectiveStatus = (typeof EFFECTIVE_STATUSES)[number];

/** The outcome-based (ODAX) objectives; Meta no longer accepts the legacy ones for new campaigns. */
export const OBJECTIVES = [
  "OUTCOME_APP_PROMOTION", "OUTCOME_AWARENESS", "OUTCOME_ENGAGEMENT", "OUTCOME_LEADS", "OUTCOME_SALES", "OUTCOME_TRAFFIC",
] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const SPECIAL_AD_CATEGORIES = [
  "CREDIT", "EMPLOYMENT", "FINANCIAL_PRODUCTS_SERVICES", "HOUSING", "ISSUES_ELECTIONS_POLITICS", "NONE",
  "ONLINE_GAMBLING_AND_GAMING",
] as const;

export const BID_STRATEGIES = [
  "COST_CAP", "LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "LOWEST_COST_WITH_MIN_ROAS",
] as const;
export type BidStrategy = (typeof BID_STRATEGIES)[number];

export const OPTIMIZATION_GOALS = [
  "ADVERTISER_SILOED_VALUE", "AD_RECALL_LIFT", "APP_INSTALLS", "APP_INSTALLS_AND_OFFSITE_CONVERSIONS",
  "AUTOMATIC_OBJECTIVE", "CONVERSATIONS", "DERIVED_EVENTS", "ENGAGED_PAGE_VIEWS", "ENGAGED_USERS", "EVENT_RESPONSES",
  "IMPRESSIONS", "IN_APP_VALUE", "LANDING_PAGE_VIEWS", "LEAD_GENERATION", "LINK_CLICKS", "MEANINGFUL_CALL_ATTEMPT",
  "MESSAGING_APPOINTMENT_CONVERSION", "MESSAGING_PURCHASE_CONVERSION", "NONE", "OFFSITE_CONVERSIONS", "PAGE_LIKES",
  "POST_ENGAGEMENT", "PROFILE_AND_PAGE_ENGAGEMENT", "PROFILE_VISIT", "QUALITY_CALL", "QUALITY_LEAD", "REACH",
  "REMINDERS_SET", "SUBSCRIBERS", "THRUPLAY", "VALUE", "VISIT_INSTAGRAM_PROFILE",
] as const;
export type OptimizationGoal = (typeof OPTIMIZATION_GOALS)[number];

export const BILLING_EVENTS = [
  "APP_INSTALLS", "CLICKS", "IMPRESSIONS", "LINK_CLICKS", "LISTING_INTERACTION", "NONE", "OFFER_CLAIMS",
  "PAGE_LIKES", "POST_ENGAGEMENT", "PURCHASE", "THRUPLAY",
] as const;
export type BillingEvent = (typeof BILLING_EVENTS)[number];

export const CALL_TO_ACTION_TYPES = [
  "ADD_TO_CART", "APPLY_NOW", "ASK_ABOUT_SERVICES", "ASK_A_QUESTION", "ASK_FOR_MORE_INFO", "ASK_US", "AUDIO_CALL",
  "BOOK_A_CONSULTATION", "BOOK_NOW", "BOOK_TRAVEL", "BROWSE_SHOP", "BUY", "BUY_NOW", "BUY_TICKETS",
  "BUY_VIA_MESSAGE", "CALL", "CALL_ME", "CALL_NOW", "CHAT_NOW", "CHAT_WITH_US", "CONFIRM", "CONTACT", "CONTACT_US",
  "DONATE", "DONATE_NOW", "DOWNLOAD", "EVENT_RSVP", "FIND_A_GROUP", "FIND_OUT_MORE", "FIND_YOUR_GROUPS",
  "FOLLOW_NEWS_STORYLINE", "FOLLOW_PAGE", "FOLLOW_USER", "GET_A_QUOTE", "GET_DETAILS", "GET_DIRECTIONS",
  "GET_IN_TOUCH", "GET_OFFER", "GET_OFFER_VIEW", "GET_PROMOTIONS", "GET_QUOTE", "GET_SHOWTIMES", "GET_STARTED",
  "INQUIRE_NOW", "INSTALL_APP", "INSTALL_MOBILE_APP", "JOIN_CHANNEL", "LEARN_MORE", "LIKE_PAGE", "LISTEN_MUSIC",
  "LISTEN_NOW", "MAKE_AN_APPOINTMENT", "MESSAGE_PAGE", "MOBILE_DOWNLOAD", "NO_BUTTON", "OPEN_INSTANT_APP",
  "OPEN_LINK", "ORDER_NOW", "PAY_TO_ACCESS", "PLAY_GAME", "PLAY_GAME_ON_FACEBOOK", "PURCHASE_GIFT_CARDS",
  "RAISE_MONEY", "RECORD_NOW", "REFER_FRIENDS", "REQUEST_TIME", "SAY_THANKS", "SEE_MORE", "SEE_SHOP", "SELL_NOW",
  "SEND_A_GIFT", "SEND_GIFT_MONEY", "SEND_UPDATES", "SHARE", "SHOP_NOW", "SHOP_WITH_AI", "SIGN_UP",
  "SOTTO_SUBSCRIBE", "START_A_CHAT", "START_ORDER", "SUBSCRIBE", "SWIPE_UP_PRODUCT", "SWIPE_UP_SHOP", "TRY_DEMO",
  "TRY_ON_WITH_AI", "UPDATE_APP", "USE_APP", "USE_MOBILE_APP", "VIDEO_ANNOTATION", "VIDEO_CALL", "VIEW_CART",
  "VIEW_CHANNEL", "VIEW_IN_CART", "VIEW_PRODUCT", "VISIT_PAGES_FEED", "VISIT_WEBSITE", "WATCH_LIVE_VIDEO",
  "WATCH_MORE", "WATCH_VIDEO", "WHATSAPP_MESSAGE", "WOODHENGE_SUPPORT",
] as const;

/** Ad review verdicts the simulator sets; they show through an ad's effective_status. */
export const REVIEW_STATUSES = ["APPROVED", "PENDING_REVIEW", "DISAPPROVED", "WITH_ISSUES"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const DATE_PRESETS = [
  "data_maximum", "last_14d", "last_28d", "last_30d", "last_3d", "last_7d", "last_90d", "last_month", "last_quarter",
  "last_week_mon_sun", "last_week_sun_sat", "last_year", "maximum", "this_month", "this_quarter",
  "this_week_mon_today", "this_week_sun_today", "this_year", "today", "yesterday",
] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

export const INSIGHTS_LEVELS = ["account", "campaign", "adset", "ad"] as const;
export type InsightsLevel = (typeof INSIGHTS_LEVELS)[number];
