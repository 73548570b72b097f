import { META_FIELDS } from "./metaFields.ts";
import type { GraphObject } from "./graphTypes.ts";

/**
 * How each main node type answers the fields of Meta's spec (graph-api-specs/*.json). A field is
 * either one the node returns when it has a value (and leaves out otherwise, as Meta leaves out
 * unset fields), one with a single meaning in Grantline's market that is filled in as Meta gives
 * it (FIXED), one Meta leaves out here because nothing in the market sets it (NO_VALUE), or
 * refused with #100: Grantline does not keep it, and says so instead of dropping it. Types without
 * an entry (AdsInsights, Grantline's own) keep the renderer's general rule.
 */

type Fill = (object: GraphObject, now: number) => unknown;

/** Meta's default attribution: 7-day click, 1-day view (https://developers.facebook.com/docs/marketing-api/reference/ad-account/, attribution_spec). */
const DEFAULT_ATTRIBUTION = [
  { event_type: "CLICK_THROUGH", window_days: 7 },
  { event_type: "VIEW_THROUGH", window_days: 1 },
];
const always = (value: unknown): Fill => () => value;
const DAY = 24 * 60 * 60 * 1000;

/** What the node's read (or its edge's items) return when they have a value. */
const RETURNED: Record<string, string> = {
  AdAccount: "id account_id name currency timezone_name timezone_id timezone_offset_hours_utc spend_cap account_status disable_reason capabilities business owner amount_spent balance created_time funding_source_details min_daily_budget user_tasks",
  Campaign: "id account_id name objective status configured_status effective_status special_ad_categories buying_type bid_strategy daily_budget lifetime_budget spend_cap start_time stop_time issues_info created_time updated_time budget_remaining adlabels",
  AdSet: "id account_id campaign campaign_id name status configured_status effective_status optimization_goal billing_event bid_strategy bid_amount bid_constraints daily_budget lifetime_budget start_time end_time targeting promoted_object issues_info created_time updated_time budget_remaining learning_stage_info adlabels",
  Ad: "id account_id campaign campaign_id adset adset_id name status configured_status effective_status creative ad_review_feedback issues_info created_time updated_time preview_shareable_link adlabels",
  AdCreative: "id account_id name status title body link_url image_url image_hash call_to_action_type object_story_spec url_tags call_to_action thumbnail_url effective_object_story_id",
  Business: "id name verification_status two_factor_type created_time primary_page link",
  User: "id name first_name last_name",
  SystemUser: "id name",
  Page: "id name business owner_business",
  AdsPixel: "id name owner_business creation_time is_unavailable code",
  IGUser: "id name username owner_business",
  ProductCatalog: "id name business owner_business vertical",
  Application: "id name",
  BusinessUser: "id name email role business first_name last_name tasks",
};

/** Fields with one value in this market, filled in when asked for, as Meta would answer them. */
const FIXED: Record<string, Record<string, Fill>> = {
  AdAccount: {
    // "Amount of time the ad account has been open, in days."
    age: (o, now) => (typeof o.created_time === "string" ? Math.max(0, Math.round(((now - Date.parse(o.created_time)) / DAY) * 100) / 100) : undefined),
    all_capabilities: always([]),
    attribution_spec: always(DEFAULT_ATTRIBUTION),
    business_name: (o) => (o.business as { name?: string } | undefined)?.name,
    can_create_brand_lift_study: always(false),
    existing_customers: always([]),
    failed_delivery_checks: always([]),
    has_migrated_permissions: always(true),
    has_page_authorized_adaccount: always(false),
    is_attribution_spec_system_default: always(true),
    is_ba_skip_delayed_eligible: always(false),
    is_direct_deals_enabled: always(false),
    is_in_3ds_authorization_enabled_market: always(false),
    is_notifications_enabled: always(true),
    is_personal: always(0),
    is_prepay_account: always(false),
    is_tax_id_required: always(false),
    owner_business: (o) => o.business,
    show_checkout_experience: always(false),
    viewable_business: (o) => o.business,
  },
  Campaign: {
    budget_rebalance_flag: always(false),
    can_create_brand_lift_study: always(false),
    can_use_spend_cap: always(true),
    has_secondary_skadnetwork_reporting: always(false),
    is_adset_budget_sharing_enabled: always(false),
    is_budget_schedule_enabled: always(false),
    is_direct_send_campaign: always(false),
    is_message_campaign: always(false),
    is_skadnetwork_attribution: always(false),
    pacing_type: always(["standard"]),
    smart_promotion_type: always("GUIDED_CREATION"),
    // The deprecated single category: the first of special_ad_categories, NONE without one.
    special_ad_category: (o) => (Array.isArray(o.special_ad_categories) && o.special_ad_categories.length > 0 ? o.special_ad_categories[0] : "NONE"),
  },
  AdSet: {
    attribution_spec: always(DEFAULT_ATTRIBUTION),
    creative_sequence: always([]),
    destination_type: always("UNDEFINED"),
    is_ba_skip_delayed_eligible: always(false),
    is_budget_schedule_enabled: always(false),
    is_dynamic_creative: always(false),
    is_incremental_attribution_enabled: always(false),
    optimization_sub_event: always("NONE"),
    pacing_type: always(["standard"]),
    recurring_budget_semantics: always(false),
    use_new_app_click: always(false),
  },
  Ad: {
    engagement_audience: always(false),
    failed_delivery_checks: always([]),
  },
  AdCreative: {
    // The Page a story spec names posts the ad.
    actor_id: (o) => (o.object_story_spec as { page_id?: unknown } | undefined)?.page_id,
    object_type: (o) => (o.object_story_spec ? "SHARE" : undefined),
    enable_direct_install: always(false),
    use_page_actor_override: always(false),
  },
  Business: { is_hidden: always(false) },
  AdsPixel: { is_created_by_business: always(true), is_crm: always(false), is_restricted_use: always(false), is_consolidated_container: always(false) },
};

/** Spec fields nothing in Grantline's market sets: answered by leaving them out, as Meta does for unset fields. */
const NO_VALUE: Record<string, string> = {
  AdAccount: "ad_account_promotable_objects agency_client_declaration brand_safety_content_filter_levels business_city business_country_code business_state business_street business_street2 business_zip custom_audience_info default_dsa_beneficiary default_dsa_payor end_advertiser end_advertiser_name expired_funding_source_details extended_credit_invoice_group fb_entity funding_source io_number liable_address line_numbers marketing_messages_settings media_agency min_campaign_group_spend_cap offsite_clo_signal_status offsite_pixels_tos_accepted opportunity_score partner rf_spec send_bill_to_address sold_to_address tax_id tax_id_status tax_id_type tos_accepted user_access_expire_time user_tos_accepted",
  Campaign: "advantage_state_info boosted_object_id brand_lift_studies campaign_group_active_time last_budget_toggling_time primary_attribution promoted_object recommendations source_campaign source_campaign_id source_recommendation_type special_ad_category_country topline_id",
  AdSet: "adset_schedule anchor_event_attribution_window_days asset_feed_id attribution_count_type automatic_manual_state bid_adjustments bid_info brand_safety_config campaign_active_time campaign_attribution creative_diversity_label creative_diversity_score creative_sequence_repetition_pattern daily_min_spend_target daily_spend_cap dsa_beneficiary dsa_payor existing_customer_budget_percentage frequency_control_specs full_funnel_exploration_mode instagram_user_id lifetime_imps lifetime_min_spend_target lifetime_spend_cap low_creative_reach max_budget_spend_percentage min_budget_spend_percentage multi_event_conversion_attribution_window_seconds multi_optimization_goal_weight placement_soft_opt_out recommendations regional_regulated_categories regional_regulation_identities review_feedback rf_prediction_id source_adset source_adset_id special_ad_categories targeting_optimization_types time_based_ad_rotation_id_blocks time_based_ad_rotation_intervals trending_topics_spec value_rule_set_id value_rules_applied",
  Ad: "ad_active_time ad_schedule_end_time ad_schedule_start_time bid_amount bid_info bid_type conversion_domain conversion_specs creative_asset_groups_spec demolink_hash display_sequence last_updated_by_app_id placement priority recommendations source_ad source_ad_id special_ad_categories targeting tracking_and_conversion_with_defaults tracking_specs",
  AdCreative: "ad_disclaimer_spec adlabels applink_treatment asset_feed_spec authorization_category auto_update branded_content branded_content_sponsor_page_id bundle_folder_id categorization_criteria category_media_source collaborative_ads_lsb_image_bank_id contextual_multi_ads creative_sourcing_spec degrees_of_freedom_spec destination_set_id destination_spec dynamic_ad_voice effective_authorization_category effective_instagram_media_id enable_launch_instant_app existing_post_title facebook_branded_content format_transformation_spec image_crops instagram_branded_content instagram_permalink_url instagram_user_id interactive_components_spec link_deep_link_url link_destination_display_url link_og_id marketing_message_structured_spec media_sourcing_spec messenger_sponsored_message object_id object_store_url object_story_id object_url omnichannel_link_spec page_welcome_message photo_album_source_object_story_id place_page_set_id platform_customizations playable_asset_id portrait_customizations product_data product_set_id product_suggestion_settings recommender_settings regional_regulation_disclaimer_spec source_facebook_post_id source_instagram_media_id template_url template_url_spec thumbnail_id video_id",
  Business: "created_by timezone_id updated_by updated_time profile_picture_uri vertical vertical_id",
  SystemUser: "created_by created_time finance_permission ip_permission",
  AdsPixel: "last_fired_time creator owner_ad_account description",
  BusinessUser: "title",
};

/**
 * AdsInsights metrics nothing in Grantline's market produces: no video, messaging, catalog,
 * Instant Experience, brand-lift, app-install, in-app ad, lead-form, landing-page-view or
 * Instagram-profile activity, and no ad labels or place pages. Insights rows leave them out, as
 * Meta leaves out a metric without data ("The Insights API will not return unsupported offsite metrics",
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/insights/breakdowns);
 * the other spec fields the rows do not fill are left out too, but Meta would give them a value.
 */
export const INSIGHTS_WITHOUT_DATA: ReadonlySet<string> = new Set(
  [
    // Video
    "cost_per_15_sec_video_view cost_per_2_sec_continuous_video_view cost_per_thruplay unique_video_continuous_2_sec_watched_actions unique_video_view_15_sec video_15_sec_watched_actions video_30_sec_watched_actions video_avg_time_watched_actions video_continuous_2_sec_watched_actions video_p100_watched_actions video_p25_watched_actions video_p50_watched_actions video_p75_watched_actions video_p95_watched_actions video_play_actions video_play_curve_actions video_play_retention_0_to_15s_actions video_play_retention_20_to_60s_actions video_play_retention_graph_actions video_thruplay_watched_actions video_time_watched_actions video_view_per_impression",
    // Marketing messages
    "marketing_messages_click_rate_benchmark marketing_messages_cost_per_delivered marketing_messages_cost_per_link_btn_click marketing_messages_delivered marketing_messages_delivery_rate marketing_messages_link_btn_click marketing_messages_link_btn_click_rate marketing_messages_media_view_rate marketing_messages_phone_call_btn_click_rate marketing_messages_quick_reply_btn_click marketing_messages_quick_reply_btn_click_rate marketing_messages_read marketing_messages_read_rate marketing_messages_read_rate_benchmark marketing_messages_sent marketing_messages_spend marketing_messages_spend_currency marketing_messages_website_add_to_cart marketing_messages_website_initiate_checkout marketing_messages_website_purchase marketing_messages_website_purchase_values onsite_conversion_messaging_detected_purchase_deduped",
    // Catalog and shop sales
    "catalog_segment_actions catalog_segment_value catalog_segment_value_mobile_purchase_roas catalog_segment_value_omni_purchase_roas catalog_segment_value_website_purchase_roas converted_product_app_custom_event_fb_mobile_purchase converted_product_app_custom_event_fb_mobile_purchase_value converted_product_offline_purchase converted_product_offline_purchase_value converted_product_omni_purchase converted_product_omni_purchase_values converted_product_quantity converted_product_value converted_product_website_pixel_purchase converted_product_website_pixel_purchase_value converted_promoted_product_app_custom_event_fb_mobile_purchase converted_promoted_product_app_custom_event_fb_mobile_purchase_value converted_promoted_product_offline_purchase converted_promoted_product_offline_purchase_value converted_promoted_product_omni_purchase converted_promoted_product_omni_purchase_values converted_promoted_product_quantity converted_promoted_product_value converted_promoted_product_website_pixel_purchase converted_promoted_product_website_pixel_purchase_value product_group_retailer_id product_retailer_id product_views shops_assisted_purchases",
    // Instant Experience
    "canvas_avg_view_percent canvas_avg_view_time instant_experience_clicks_to_open instant_experience_clicks_to_start instant_experience_outbound_clicks interactive_component_tap total_card_view",
    // Brand lift (ad recall)
    "cost_per_estimated_ad_recallers estimated_ad_recall_rate estimated_ad_recall_rate_lower_bound estimated_ad_recall_rate_upper_bound estimated_ad_recallers estimated_ad_recallers_lower_bound estimated_ad_recallers_upper_bound",
    // App installs and SKAdNetwork, data-driven attribution
    "cost_per_dda_countby_convs dda_countby_convs dda_results mobile_app_purchase_roas total_postbacks total_postbacks_detailed total_postbacks_detailed_v4",
    // In-app ads: Meta's insights reference describes these only by their names, which are those of
    // the app events "In-App Ad Click" and "In-App Ad Impression" ("An ad from a third-party platform
    // is clicked / appears on-screen within your app", https://developers.facebook.com/docs/app-events/reference);
    // no app here shows ads.
    "ad_click_actions ad_impression_actions cost_per_ad_click cost_per_one_thousand_ad_impression",
    // Lead forms, landing page views, Instagram profiles, anchor events, Page posts, places, labels
    "conversion_lead_rate conversion_leads cost_per_conversion_lead qualifying_question_qualify_answer_rate",
    "landing_page_view_actions_per_link_click landing_page_view_per_link_click landing_page_view_per_purchase_rate purchase_per_landing_page_view",
    "instagram_profile_visits instagram_upcoming_event_reminders_set",
    "anchor_event_attribution_setting anchor_events_performance_indicator multi_event_conversion_attribution_setting full_view_impressions full_view_reach place_page_name",
    // Gone from Meta since v19.0 ("age_targeting, gender_targeting, labels, and location insights
    // metrics will no longer be available", Marketing API changelog, version 19.0).
    "age_targeting gender_targeting labels location",
  ]
    .join(" ")
    .split(" "),
);

const split = (text: string | undefined) => new Set((text ?? "").split(" ").filter(Boolean));
const answeredByType = new Map<string, ReadonlySet<string>>();
const specByType = new Map<string, ReadonlySet<string>>();

/** Every spec field the type answers (with a value, a fixed value, or Meta's absence); undefined for types without a rule here. */
export function answeredFields(typeName: string): ReadonlySet<string> | undefined {
  if (!(typeName in RETURNED)) return undefined;
  let answered = answeredByType.get(typeName);
  if (!answered) {
    answered = new Set([...split(RETURNED[typeName]), ...Object.keys(FIXED[typeName] ?? {}), ...split(NO_VALUE[typeName])]);
    answeredByType.set(typeName, answered);
  }
  return answered;
}

/** Whether Meta's spec lists the field for the type but Grantline refuses it with #100 (it keeps no such thing). */
export function isRefusedSpecField(typeName: string, field: string): boolean {
  const answered = answeredFields(typeName);
  if (answered === undefined || answered.has(field)) return false;
  let spec = specByType.get(typeName);
  if (!spec) specByType.set(typeName, (spec = split(META_FIELDS[typeName])));
  return spec.has(field);
}

/** Whether `fields` asks for any of the type's fixed fields (most lists ask for none, and skip filling). */
export function asksFixedFields(typeName: string | undefined, names: readonly string[]): boolean {
  const fixed = typeName ? FIXED[typeName] : undefined;
  return fixed !== undefined && names.some((name) => fixed[name] !== undefined);
}

/** The object with the fixed fields the selection asks for filled in (the object itself when none is asked). */
export function withFixedFields(typeName: string | undefined, object: GraphObject, names: readonly string[], now: number): GraphObject {
  const fixed = typeName ? FIXED[typeName] : undefined;
  if (!fixed) return object;
  let out: GraphObject | undefined;
  for (const name of names) {
    const fill = fixed[name];
    if (!fill || object[name] !== undefined) continue;
    const value = fill(object, now);
    if (value === undefined) continue;
    out ??= { ...object };
    out[name] = value;
  }
  return out ?? object;
}
