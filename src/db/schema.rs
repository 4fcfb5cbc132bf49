// Diesel table definitions for both backends. Types stay in the subset that
// `#[derive(MultiConnection)]` supports (BigInt, Integer, Text, Binary, Timestamp, Date).

diesel::table! {
    templates (id) {
        id -> BigInt,
        template_key -> Text,
        version -> Integer,
        kind -> Text,
        source -> Text,
        source_sha256 -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        updated_at -> Timestamp,
        head_email -> Nullable<Text>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        template_id -> BigInt,
        period -> Text,
        title -> Text,
        min_responses -> Integer,
        status -> Text,
        created_at -> Timestamp,
        closes_on -> Nullable<Date>,
        results_version -> BigInt,
        contact -> Nullable<Text>,
        reminder_days -> Text,
    }
}

diesel::table! {
    campaign_units (campaign_id, unit_id) {
        campaign_id -> BigInt,
        unit_id -> BigInt,
        code -> Text,
        name -> Text,
        parent_code -> Nullable<Text>,
        covered -> Bool,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        unit_id -> BigInt,
        answers -> Binary,
        submitted_on -> Date,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        unit_id -> BigInt,
        email -> Text,
        name -> Nullable<Text>,
        lang -> Text,
        state -> Text,
        created_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        reminders_done -> Integer,
    }
}

diesel::table! {
    invitation_tokens (token_sha256) {
        token_sha256 -> Text,
        invitation_id -> BigInt,
    }
}

diesel::table! {
    drafts (invitation_id) {
        invitation_id -> BigInt,
        sealed -> Binary,
        saved_on -> Date,
    }
}

diesel::table! {
    server_key (id) {
        id -> Integer,
        fingerprint -> Text,
    }
}

diesel::table! {
    campaign_keys (campaign_id) {
        campaign_id -> BigInt,
        sealed_key -> Binary,
    }
}

diesel::table! {
    pending_answers (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        unit_id -> BigInt,
        sealed -> Binary,
    }
}

diesel::table! {
    review_reviewers (response_id) {
        response_id -> BigInt,
        invitation_id -> BigInt,
    }
}

diesel::table! {
    review_comments (response_id, item_id) {
        response_id -> BigInt,
        item_id -> Text,
        comment -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        campaign_id -> Nullable<BigInt>,
        invitation_id -> Nullable<BigInt>,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Nullable<Text>,
        body_html -> Nullable<Text>,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    response_imports (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        file_sha256 -> Text,
        file_name -> Text,
        responses -> BigInt,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    organizers (id) {
        id -> BigInt,
        email -> Text,
        name -> Nullable<Text>,
        role -> Text,
        scope_unit_code -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        organizer_id -> BigInt,
        name -> Text,
        token_sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_sha256) {
        id_sha256 -> Text,
        organizer_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    password_setups (token_sha256) {
        token_sha256 -> Text,
        organizer_id -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        object -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(campaigns -> templates (template_id));
diesel::joinable!(campaign_units -> campaigns (campaign_id));
diesel::joinable!(responses -> campaigns (campaign_id));

diesel::joinable!(invitations -> campaigns (campaign_id));
diesel::joinable!(outbox -> campaigns (campaign_id));
diesel::joinable!(invitation_tokens -> invitations (invitation_id));
diesel::joinable!(drafts -> invitations (invitation_id));
diesel::joinable!(api_tokens -> organizers (organizer_id));
diesel::joinable!(sessions -> organizers (organizer_id));
diesel::joinable!(password_setups -> organizers (organizer_id));

diesel::allow_tables_to_appear_in_same_query!(
    templates,
    units,
    campaigns,
    campaign_units,
    responses,
    invitations,
    invitation_tokens,
    drafts,
    review_reviewers,
    review_comments,
    outbox,
    server_key,
    campaign_keys,
    pending_answers,
    response_imports,
    organizers,
    api_tokens,
    sessions,
    password_setups,
    audit_log,
);
