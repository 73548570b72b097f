/**
 * The JSON kind of each field of Meta's Graph node types that the Graph surface serves, generated
 * by scripts/generateMetaFieldTypes.ts from Meta's SDK code-generation specs (graph-api-specs/*.json,
 * `fields`): `string` (Meta's string and enum types; ids and money are numeric strings), `number`
 * (int, unsigned int, float), `bool`, `datetime` (a string such as 2026-01-05T12:00:00+0000),
 * `list`, `object` (a map, Object, or a reference to another node or struct).
 *
 * Copyright (c) Meta Platforms, Inc. and affiliates. The specs are licensed for use in connection
 * with the web services and APIs provided by Facebook, subject to the Facebook Platform Policy
 * (http://developers.facebook.com/policy/); this list keeps only their names and the kinds of their types.
 */

export const FIELD_KINDS = ["string", "number", "bool", "datetime", "list", "object"] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

/** Per type, per kind: its fields, space-separated. */
export const META_FIELD_KINDS: Readonly<Record<string, Partial<Readonly<Record<FieldKind, string>>>>> = {
  AdAccount: {
    string: "account_id amount_spent balance business_city business_country_code business_name business_state business_street business_street2 business_zip currency default_dsa_beneficiary default_dsa_payor end_advertiser end_advertiser_name funding_source id io_number media_agency min_campaign_group_spend_cap name owner partner spend_cap tax_id tax_id_type timezone_name",
    number: "account_status age disable_reason fb_entity is_personal min_daily_budget offsite_clo_signal_status opportunity_score tax_id_status timezone_id timezone_offset_hours_utc",
    bool: "can_create_brand_lift_study has_migrated_permissions has_page_authorized_adaccount is_attribution_spec_system_default is_ba_skip_delayed_eligible is_direct_deals_enabled is_in_3ds_authorization_enabled_market is_notifications_enabled is_prepay_account is_tax_id_required offsite_pixels_tos_accepted show_checkout_experience",
    datetime: "created_time user_access_expire_time",
    list: "all_capabilities attribution_spec brand_safety_content_filter_levels capabilities existing_customers failed_delivery_checks line_numbers user_tasks",
    object: "ad_account_promotable_objects agency_client_declaration business custom_audience_info expired_funding_source_details extended_credit_invoice_group funding_source_details liable_address marketing_messages_settings owner_business rf_spec send_bill_to_address sold_to_address tos_accepted user_tos_accepted viewable_business",
  },
  Campaign: {
    string: "account_id bid_strategy boosted_object_id budget_remaining buying_type campaign_group_active_time configured_status daily_budget effective_status id lifetime_budget name objective primary_attribution smart_promotion_type source_campaign_id source_recommendation_type special_ad_category spend_cap status topline_id",
    bool: "budget_rebalance_flag can_create_brand_lift_study can_use_spend_cap has_secondary_skadnetwork_reporting is_adset_budget_sharing_enabled is_budget_schedule_enabled is_direct_send_campaign is_message_campaign is_skadnetwork_attribution",
    datetime: "created_time last_budget_toggling_time start_time stop_time updated_time",
    list: "adlabels brand_lift_studies issues_info pacing_type recommendations special_ad_categories special_ad_category_country",
    object: "advantage_state_info promoted_object source_campaign",
  },
  AdSet: {
    string: "account_id asset_feed_id attribution_count_type automatic_manual_state bid_strategy billing_event budget_remaining campaign_active_time campaign_attribution campaign_id configured_status creative_sequence_repetition_pattern daily_budget daily_min_spend_target daily_spend_cap destination_type dsa_beneficiary dsa_payor effective_status full_funnel_exploration_mode id instagram_user_id lifetime_budget lifetime_min_spend_target lifetime_spend_cap max_budget_spend_percentage min_budget_spend_percentage multi_optimization_goal_weight name optimization_goal optimization_sub_event review_feedback rf_prediction_id source_adset_id status value_rule_set_id",
    number: "anchor_event_attribution_window_days bid_amount existing_customer_budget_percentage lifetime_imps multi_event_conversion_attribution_window_seconds",
    bool: "is_ba_skip_delayed_eligible is_budget_schedule_enabled is_dynamic_creative is_incremental_attribution_enabled recurring_budget_semantics use_new_app_click value_rules_applied",
    datetime: "created_time end_time start_time updated_time",
    list: "adlabels adset_schedule attribution_spec creative_diversity_label creative_diversity_score creative_sequence frequency_control_specs issues_info low_creative_reach pacing_type recommendations regional_regulated_categories special_ad_categories targeting_optimization_types time_based_ad_rotation_id_blocks time_based_ad_rotation_intervals",
    object: "bid_adjustments bid_constraints bid_info brand_safety_config campaign learning_stage_info placement_soft_opt_out promoted_object regional_regulation_identities source_adset targeting trending_topics_spec",
  },
  Ad: {
    string: "account_id ad_active_time adset_id bid_type campaign_id configured_status conversion_domain demolink_hash effective_status id last_updated_by_app_id name preview_shareable_link source_ad_id status",
    number: "bid_amount display_sequence priority",
    bool: "engagement_audience",
    datetime: "ad_schedule_end_time ad_schedule_start_time created_time updated_time",
    list: "adlabels conversion_specs failed_delivery_checks issues_info recommendations special_ad_categories tracking_specs",
    object: "ad_review_feedback adset bid_info campaign creative creative_asset_groups_spec placement source_ad targeting tracking_and_conversion_with_defaults",
  },
  AdCreative: {
    string: "account_id actor_id applink_treatment authorization_category body branded_content_sponsor_page_id bundle_folder_id call_to_action_type categorization_criteria category_media_source collaborative_ads_lsb_image_bank_id destination_set_id dynamic_ad_voice effective_authorization_category effective_instagram_media_id effective_object_story_id existing_post_title id image_hash image_url instagram_permalink_url instagram_user_id link_deep_link_url link_destination_display_url link_og_id link_url messenger_sponsored_message name object_id object_store_url object_story_id object_type object_url page_welcome_message photo_album_source_object_story_id place_page_set_id playable_asset_id product_set_id source_facebook_post_id source_instagram_media_id status template_url thumbnail_id thumbnail_url title url_tags video_id",
    bool: "auto_update enable_direct_install enable_launch_instant_app use_page_actor_override",
    list: "adlabels format_transformation_spec product_data",
    object: "ad_disclaimer_spec asset_feed_spec branded_content call_to_action contextual_multi_ads creative_sourcing_spec degrees_of_freedom_spec destination_spec facebook_branded_content image_crops instagram_branded_content interactive_components_spec marketing_message_structured_spec media_sourcing_spec object_story_spec omnichannel_link_spec platform_customizations portrait_customizations product_suggestion_settings recommender_settings regional_regulation_disclaimer_spec template_url_spec",
  },
  Business: {
    string: "id link name payment_account_id profile_picture_uri two_factor_type verification_status vertical whatsapp_business_manager_messaging_limit",
    number: "timezone_id vertical_id",
    bool: "block_offline_analytics is_hidden",
    datetime: "created_time extended_updated_time updated_time user_access_expire_time",
    object: "collaborative_ads_managed_partner_business_info collaborative_ads_managed_partner_eligibility collaborative_ads_partner_premium_options created_by marketing_messages_onboarding_status primary_page updated_by",
  },
  User: {
    string: "about birthday client_business_id email first_name gender id install_type last_name link locale middle_name name name_format political profile_pic quotes relationship_status religion short_name third_party_id token_for_business website",
    number: "timezone",
    bool: "installed is_guest_user is_work_account local_news_megaphone_dismiss_status local_news_subscription_status supports_donate_button_in_live_video verified",
    datetime: "shared_login_upgrade_required_by updated_time",
    list: "education favorite_athletes favorite_teams inspirational_people languages meeting_for sports",
    object: "age_range community cover currency hometown location payment_pricepoints significant_other video_upload_limits",
  },
  SystemUser: {
    string: "finance_permission id ip_permission name",
    datetime: "created_time",
    object: "created_by",
  },
  Page: {
    string: "about access_token affiliation app_id artists_we_like attire awards band_interests band_members bio birthday booking_agent built category company_overview culinary_team current_location description description_html directed_by display_subtext displayed_message_response_time features founded general_info general_manager genre global_brand_page_name global_brand_root_id hometown id impressum influences link members merchant_id merchant_review_status messenger_ads_quick_replies_type mission mpg name name_with_location_descriptor network page_token personal_info personal_interests pharma_safety_info phone place_type plot_outline press_contact price_range privacy_info_url produced_by products promotion_ineligible_reason public_transit recipient record_label release_date schedule screenplay_by season single_line_address starring store_code store_location_descriptor studio temporary_status username verification_status website whatsapp_number written_by",
    number: "checkins country_page_likes fan_count followers_count new_like_count overall_star_rating rating_count store_number talking_about_count unread_message_count unread_notif_count unseen_message_count were_here_count",
    bool: "can_checkin can_post does_viewer_have_page_permission_link_ig has_added_app has_transitioned_to_new_page_experience has_whatsapp_business_number has_whatsapp_number is_always_open is_calling_eligible is_chain is_community_page is_eligible_for_branded_content is_eligible_for_disable_connect_ig_btn_for_non_page_admin_am_web is_messenger_bot_get_started_enabled is_messenger_platform_bot is_owned is_permanently_closed is_published is_unclaimed is_verified is_webhooks_subscribed leadgen_tos_accepted offer_eligible promotion_eligible supports_donate_button_in_live_video",
    datetime: "leadgen_tos_acceptance_time user_access_expire_time",
    list: "available_promo_offer_ids category_list copyright_whitelisted_ig_partners delivery_and_pickup_option_info differently_open_offerings emails food_styles messenger_ads_default_icebreakers messenger_ads_default_quick_replies pickup_options priority_hours",
    object: "ad_campaign best_page breaking_news_usage business connected_instagram_account connected_page_backed_instagram_account contact_address copyright_attribution_insights cover engagement featured_video has_lead_access hours instagram_business_account keywords leadgen_tos_accepting_user location messaging_feature_status mini_shop_storefront owner_business parent_page parking payment_options preferred_audience restaurant_services restaurant_specialties start_info voip_info",
  },
  AdsPixel: {
    string: "code config data_use_setting description event_stats first_party_cookie_status id last_upload_app name",
    number: "duplicate_entries event_time_max event_time_min last_upload_app_changed_time match_rate_approx matched_entries valid_entries",
    bool: "can_proxy enable_auto_assign_to_accounts enable_automatic_matching has_1p_pixel_event is_consolidated_container is_created_by_business is_crm is_mta_use is_restricted_use is_unavailable",
    datetime: "creation_time last_fired_time user_access_expire_time",
    list: "automatic_matching_fields",
    object: "creator owner_ad_account owner_business usage",
  },
  IGUser: {
    string: "biography id legacy_instagram_user_id name profile_picture_url shopping_review_status username website",
    number: "followers_count follows_count ig_id media_count",
    bool: "has_profile_pic is_published shopping_product_tag_eligibility",
    object: "business_discovery mentioned_comment mentioned_media owner_business",
  },
  InstagramUser: {
    string: "id ig_user_id profile_pic username",
    number: "follow_count followed_by_count media_count",
    bool: "has_profile_picture is_private is_published",
    object: "mini_shop_storefront owner_business",
  },
  ProductCatalog: {
    string: "default_image_url id name vertical",
    number: "feed_count product_count",
    bool: "is_catalog_segment is_local_catalog",
    datetime: "user_access_expire_time",
    list: "fallback_image_url",
    object: "ad_account_to_collaborative_ads_share_settings agency_collaborative_ads_share_settings business catalog_store commerce_merchant_settings creator_user da_display_settings owner_business store_catalog_settings",
  },
  AssignedUser: {
    string: "id name user_type",
    object: "business",
  },
  BusinessUser: {
    string: "email finance_permission first_name id ip_permission last_name name pending_email role title two_fac_status",
    bool: "marked_for_removal",
    list: "tasks",
    object: "business business_role_request",
  },
  BusinessAdAccountRequest: {
    string: "id",
    object: "ad_account",
  },
  BusinessPageRequest: {
    string: "id",
    object: "page",
  },
  BusinessRoleRequest: {
    string: "email finance_role id invite_link ip_role role status",
    datetime: "created_time expiration_time expiry_time updated_time",
    list: "invited_user_type tasks",
    object: "created_by owner updated_by",
  },
  Application: {
    string: "aam_rules app_name auth_dialog_data_help_url auth_dialog_headline auth_dialog_perms_explanation auth_referral_default_activity_privacy auth_referral_response_type canvas_url category company contact_email creator_uid daily_active_users deauth_callback_url default_share_mode description financial_id gdpv4_nux_content hosting_url icon_url id ipad_app_store_id iphone_app_store_id link logging_token logo_url mobile_profile_section_url mobile_web_url monthly_active_users name namespace page_tab_default_name page_tab_url photo_url privacy_policy_url profile_section_url property_id restrictive_data_filter_params restrictive_data_filter_rules sdk_update_message secure_canvas_url secure_page_tab_url server_ip_whitelist smart_login_bookmark_icon_url smart_login_menu_icon_url subcategory suggested_events_setting terms_of_service_url url_scheme_suffix user_support_email user_support_url website_url weekly_active_users",
    number: "an_ad_space_limit app_events_feature_bitmask app_events_session_timeout app_type auth_referral_enabled canvas_fluid_width daily_active_users_rank monthly_active_users_rank seamless_login social_discovery",
    bool: "app_install_tracked auto_event_setup_enabled auto_log_app_events_default auto_log_app_events_enabled canvas_fluid_height configured_ios_sso gdpv4_chrome_custom_tabs_enabled gdpv4_enabled gdpv4_nux_enabled has_messenger_product ios_sfvc_attr ios_supports_native_proxy_auth_flow ios_supports_system_auth supports_attribution supports_implicit_sdk_logging suppress_native_ios_gdp",
    datetime: "created_time",
    list: "an_platforms android_key_hash android_sdk_error_categories app_domains app_signals_binding_ios auth_referral_extended_perms auth_referral_friend_perms auth_referral_user_perms auto_event_mapping_android auto_event_mapping_ios config_ids ios_bundle_id ios_sdk_error_categories real_time_mode_devices supported_platforms",
    object: "app_events_config business client_config enigma_config ios_sdk_dialog_flows latest_sdk_version migrations object_store_urls owner_business protected_mode_rules restrictions supports_apprequests_fast_app_switch",
  },
  AdsInsights: {
    string: "account_currency account_id account_name ad_id ad_name adset_end adset_id adset_name adset_start advanced_reach_1d_lookback advanced_reach_28d_lookback advanced_reach_7d_lookback age_targeting anchor_event_attribution_setting anchor_events_performance_indicator attribution_setting auction_bid auction_competitiveness auction_max_competitor_bid buying_type campaign_id campaign_name canvas_avg_view_percent canvas_avg_view_time clicks conversion_rate_ranking cost_per_dda_countby_convs cost_per_estimated_ad_recallers cost_per_inline_link_click cost_per_inline_post_engagement cost_per_unique_click cost_per_unique_inline_link_click cpc cpm cpp created_time creative_media_type ctr date_start date_stop dda_countby_convs engagement_rate_ranking estimated_ad_recall_rate estimated_ad_recall_rate_lower_bound estimated_ad_recall_rate_upper_bound estimated_ad_recallers estimated_ad_recallers_lower_bound estimated_ad_recallers_upper_bound frequency full_view_impressions full_view_reach gender_targeting impressions inline_link_click_ctr inline_link_clicks inline_post_engagement instagram_profile_visits instagram_upcoming_event_reminders_set instant_experience_clicks_to_open instant_experience_clicks_to_start labels landing_page_view_actions_per_link_click landing_page_view_per_link_click landing_page_view_per_purchase_rate location marketing_messages_click_rate_benchmark marketing_messages_cost_per_delivered marketing_messages_cost_per_link_btn_click marketing_messages_delivered marketing_messages_delivery_rate marketing_messages_link_btn_click marketing_messages_link_btn_click_rate marketing_messages_media_view_rate marketing_messages_phone_call_btn_click_rate marketing_messages_quick_reply_btn_click marketing_messages_quick_reply_btn_click_rate marketing_messages_read marketing_messages_read_rate marketing_messages_read_rate_benchmark marketing_messages_sent marketing_messages_spend marketing_messages_spend_currency marketing_messages_website_add_to_cart marketing_messages_website_initiate_checkout marketing_messages_website_purchase marketing_messages_website_purchase_values multi_event_conversion_attribution_setting objective optimization_goal place_page_name product_group_retailer_id product_retailer_id product_views purchase_per_landing_page_view purchases_per_link_click qualifying_question_qualify_answer_rate quality_ranking reach result_values_performance_indicator shops_assisted_purchases social_spend spend total_card_view total_postbacks unique_clicks unique_ctr unique_inline_link_click_ctr unique_inline_link_clicks unique_link_clicks_ctr updated_time wish_bid",
    list: "action_values actions ad_click_actions ad_impression_actions advanced_actions_28d_view average_purchases_conversion_value catalog_segment_actions catalog_segment_value catalog_segment_value_mobile_purchase_roas catalog_segment_value_omni_purchase_roas catalog_segment_value_website_purchase_roas conversion_lead_rate conversion_leads conversion_values conversions converted_product_app_custom_event_fb_mobile_purchase converted_product_app_custom_event_fb_mobile_purchase_value converted_product_offline_purchase converted_product_offline_purchase_value converted_product_omni_purchase converted_product_omni_purchase_values converted_product_quantity converted_product_value converted_product_website_pixel_purchase converted_product_website_pixel_purchase_value converted_promoted_product_app_custom_event_fb_mobile_purchase converted_promoted_product_app_custom_event_fb_mobile_purchase_value converted_promoted_product_offline_purchase converted_promoted_product_offline_purchase_value converted_promoted_product_omni_purchase converted_promoted_product_omni_purchase_values converted_promoted_product_quantity converted_promoted_product_value converted_promoted_product_website_pixel_purchase converted_promoted_product_website_pixel_purchase_value cost_per_15_sec_video_view cost_per_2_sec_continuous_video_view cost_per_action_type cost_per_ad_click cost_per_conversion cost_per_conversion_lead cost_per_objective_result cost_per_one_thousand_ad_impression cost_per_outbound_click cost_per_result cost_per_thruplay cost_per_unique_action_type cost_per_unique_conversion cost_per_unique_outbound_click dda_results instant_experience_outbound_clicks interactive_component_tap link_clicks_per_results mobile_app_purchase_roas objective_result_rate objective_results onsite_conversion_messaging_detected_purchase_deduped outbound_clicks outbound_clicks_ctr purchase_roas result_rate results total_postbacks_detailed total_postbacks_detailed_v4 unique_actions unique_conversions unique_outbound_clicks unique_outbound_clicks_ctr unique_video_continuous_2_sec_watched_actions unique_video_view_15_sec video_15_sec_watched_actions video_30_sec_watched_actions video_avg_time_watched_actions video_continuous_2_sec_watched_actions video_p100_watched_actions video_p25_watched_actions video_p50_watched_actions video_p75_watched_actions video_p95_watched_actions video_play_actions video_play_curve_actions video_play_retention_0_to_15s_actions video_play_retention_20_to_60s_actions video_play_retention_graph_actions video_thruplay_watched_actions video_time_watched_actions video_view_per_impression website_ctr website_purchase_roas",
  },
};

/** The kind of a field of a type, or undefined when the spec does not list it. */
export function metaFieldKind(type: string, field: string): FieldKind | undefined {
  const kinds = META_FIELD_KINDS[type];
  if (!kinds) return undefined;
  return FIELD_KINDS.find((kind) => (kinds[kind] ?? "").split(" ").includes(field));
}
