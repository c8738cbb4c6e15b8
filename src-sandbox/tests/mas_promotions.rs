//! MasCustomers' promotion endpoints over HTTP: statuses on today's date, the lists by type, the history,
//! and cancellation with its limits.

mod mas_common;

use mas_common::*;
use serde_json::{json, Value};

fn ids_and_statuses(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| (p["account_promotion_id"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn current_promotions_leave_out_ended_ones_and_types_filter() {
    let s = sandbox().await;
    let token = token(&s).await;
    let (status, current) = get(&account_url(&s, ALICE_POSTPAID, "/promotions"), &token).await;
    assert_eq!(status, 200, "{current}");
    let mut current = ids_and_statuses(&current);
    current.sort();
    assert_eq!(current, [(ALICE_ACTIVE_PROMO.into(), "ACTIVE".into()), (ALICE_SCHEDULED_PROMO.into(), "SCHEDULED".into())]);

    let by_type = |kind: &str| account_url(&s, ALICE_POSTPAID, &format!("/account-promotions{kind}"));
    let (_, active) = get(&by_type("?account_promotion_type=ACTIVE"), &token).await;
    assert_eq!(ids_and_statuses(&active), [(ALICE_ACTIVE_PROMO.to_string(), "ACTIVE".to_string())]);
    let (_, scheduled) = get(&by_type("?account_promotion_type=SCHEDULED"), &token).await;
    assert_eq!(ids_and_statuses(&scheduled), [(ALICE_SCHEDULED_PROMO.to_string(), "SCHEDULED".to_string())]);
    let (_, all) = get(&by_type("?account_promotion_type=ALL"), &token).await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert_eq!(all.as_array().unwrap().iter().filter(|p| p["status"] == "ENDED").count(), 2);
    let starts: Vec<&str> = all.as_array().unwrap().iter().map(|p| p["start_date"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "by start date: {starts:?}");
    assert_eq!(get(&by_type(""), &token).await.1, all, "ALL by default");
    let cancelled = all.as_array().unwrap().iter().find(|p| p["cancellation_date"].is_string()).unwrap();
    assert_eq!(cancelled["status"], "ENDED");
    let decoded: Vec<console_api::mas::AccountPromotion> = serde_json::from_value(all).unwrap();
    assert!(decoded.iter().all(|p| p.name.len() > 2));

    let bad = get(&by_type("?account_promotion_type=EXPIRED"), &token).await;
    refused(&bad, 400, "INVALID_PROMOTION_TYPE");
    assert_eq!(bad.1["details"][0]["field"], "account_promotion_type");
    refused(&get(&by_type("?account_promotion_type=active"), &token).await, 400, "INVALID_PROMOTION_TYPE");
    refused(&get(&account_url(&s, UNKNOWN, "/promotions"), &token).await, 404, "ACCOUNT_NOT_FOUND");
    refused(&get(&account_url(&s, "x", "/account-promotions"), &token).await, 400, "INVALID_ID");
}

#[tokio::test]
async fn the_busy_account_has_fifty_promotions_of_every_status() {
    let s = sandbox().await;
    let token = token(&s).await;
    let (_, all) = get(&account_url(&s, BEATRIZ_BUSY, "/account-promotions?account_promotion_type=ALL"), &token).await;
    let statuses: Vec<String> = ids_and_statuses(&all).into_iter().map(|(_, s)| s).collect();
    assert_eq!(statuses.len(), 50);
    for status in ["ACTIVE", "SCHEDULED", "ENDED"] {
        assert!(statuses.iter().any(|s| s == status), "{status}");
    }
    let (_, current) = get(&account_url(&s, BEATRIZ_BUSY, "/promotions"), &token).await;
    assert_eq!(current.as_array().unwrap().len(), statuses.iter().filter(|s| *s != "ENDED").count());
}

#[tokio::test]
async fn cancelling_from_today_ends_a_scheduled_promotion_and_is_in_the_history() {
    let s = sandbox().await;
    let token = token(&s).await;
    let promo = account_url(&s, ALICE_POSTPAID, &format!("/promotions/{ALICE_SCHEDULED_PROMO}"));
    let (status, body) = patch(&promo, &token, json!({"cancellation_date": day(0)})).await;
    assert_eq!(status, 204, "{body}");
    let (_, all) = get(&account_url(&s, ALICE_POSTPAID, "/account-promotions"), &token).await;
    let cancelled = all.as_array().unwrap().iter().find(|p| p["account_promotion_id"] == ALICE_SCHEDULED_PROMO).unwrap();
    assert_eq!((cancelled["status"].as_str(), cancelled["cancellation_date"].as_str()), (Some("ENDED"), Some(day(0).as_str())));
    let (_, scheduled) = get(&account_url(&s, ALICE_POSTPAID, "/account-promotions?account_promotion_type=SCHEDULED"), &token).await;
    assert_eq!(scheduled, json!([]));

    let (status, history) = get(&account_url(&s, ALICE_POSTPAID, "/promotions-history"), &token).await;
    assert_eq!(status, 200);
    let newest = &history[0];
    assert_eq!(newest["action"], "CANCELLED");
    assert_eq!(newest["account_promotion_id"], ALICE_SCHEDULED_PROMO);
    assert_eq!(newest["cancellation_date"], day(0));
    assert_eq!(newest["promotion_name"], "Summer data boost");
    assert_eq!(&newest["action_date"].as_str().unwrap()[..10], day(0));
    // Every demo promotion was ADDED, the cancelled one also CANCELLED: 4 + 1, and now this one.
    assert_eq!(history.as_array().unwrap().len(), 6);
    assert_eq!(history.as_array().unwrap().iter().filter(|h| h["action"] == "ADDED").count(), 4);
    let decoded: Vec<console_api::mas::AccountPromotionHistory> = serde_json::from_value(history).unwrap();
    assert_eq!(decoded[0].action, console_api::mas::PromotionAction::Cancelled);

    // An ended promotion cannot be cancelled again.
    refused(&patch(&promo, &token, json!({"cancellation_date": day(1)})).await, 409, "PROMOTION_ENDED");
}

#[tokio::test]
async fn a_cancellation_may_be_moved_and_the_same_date_changes_nothing() {
    let s = sandbox().await;
    let token = token(&s).await;
    let promo = account_url(&s, ALICE_POSTPAID, &format!("/promotions/{ALICE_ACTIVE_PROMO}"));
    assert_eq!(patch(&promo, &token, json!({"cancellation_date": day(20)})).await.0, 204);
    let (_, active) = get(&account_url(&s, ALICE_POSTPAID, "/account-promotions?account_promotion_type=ACTIVE"), &token).await;
    assert_eq!(active[0]["cancellation_date"], day(20), "still active until then: {active}");
    assert_eq!(patch(&promo, &token, json!({"cancellation_date": day(20)})).await.0, 204);
    assert_eq!(patch(&promo, &token, json!({"cancellation_date": day(10)})).await.0, 204);
    let (_, history) = get(&account_url(&s, ALICE_POSTPAID, &format!("/promotions-history?start_date={}", day(0))), &token).await;
    let actions: Vec<(&str, &str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["cancellation_date"].as_str().unwrap(), h["previous_cancellation_date"].as_str().unwrap_or("")))
        .collect();
    let (d10, d20) = (day(10), day(20));
    assert_eq!(actions, [("CANCELLATION_CHANGED", d10.as_str(), d20.as_str()), ("CANCELLED", d20.as_str(), "")]);
}

#[tokio::test]
async fn cancellation_dates_outside_today_to_the_end_are_refused_with_what_to_choose() {
    let s = sandbox().await;
    let token = token(&s).await;
    let promo = account_url(&s, ALICE_POSTPAID, &format!("/promotions/{ALICE_ACTIVE_PROMO}"));
    let past = patch(&promo, &token, json!({"cancellation_date": day(-1)})).await;
    refused(&past, 400, "CANCELLATION_DATE_IN_PAST");
    assert!(past.1["message"].as_str().unwrap().contains(&day(0)), "{}", past.1);
    // Alice's active promotion ends in 60 days.
    let late = patch(&promo, &token, json!({"cancellation_date": day(61)})).await;
    refused(&late, 400, "CANCELLATION_AFTER_PROMOTION_END");
    assert!(late.1["message"].as_str().unwrap().contains(&day(60)), "{}", late.1);
    assert_eq!(patch(&promo, &token, json!({"cancellation_date": day(60)})).await.0, 204, "the end day itself is allowed");

    let ended = account_url(&s, ALICE_POSTPAID, &format!("/promotions/{ALICE_ENDED_PROMO}"));
    refused(&patch(&ended, &token, json!({"cancellation_date": day(0)})).await, 409, "PROMOTION_ENDED");
    let bad_date = patch(&promo, &token, json!({"cancellation_date": "31/12/2099"})).await;
    refused(&bad_date, 400, "INVALID_DATE");
    assert_eq!(bad_date.1["details"][0]["field"], "cancellation_date");
    refused(&patch(&promo, &token, json!({})).await, 400, "INVALID_REQUEST");
    refused(&patch(&account_url(&s, ALICE_POSTPAID, &format!("/promotions/{UNKNOWN}")), &token, json!({"cancellation_date": day(0)})).await, 404, "PROMOTION_NOT_FOUND");
    refused(&patch(&account_url(&s, ALICE_POSTPAID, "/promotions/promo-1"), &token, json!({"cancellation_date": day(0)})).await, 400, "INVALID_ID");
    // Another account's promotion is not this account's.
    refused(&patch(&account_url(&s, BOB_POSTPAID, &format!("/promotions/{ALICE_ACTIVE_PROMO}")), &token, json!({"cancellation_date": day(0)})).await, 404, "PROMOTION_NOT_FOUND");
    // Only the one accepted change is in the history.
    let (_, history) = get(&account_url(&s, ALICE_POSTPAID, &format!("/promotions-history?start_date={}", day(0))), &token).await;
    assert_eq!(history.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_history_starts_at_start_date_and_refuses_a_bad_one() {
    let s = sandbox().await;
    let token = token(&s).await;
    let url = |q: &str| account_url(&s, BEATRIZ_BUSY, &format!("/promotions-history{q}"));
    let (_, all) = get(&url(""), &token).await;
    let all = all.as_array().unwrap().clone();
    assert!(all.len() >= 50, "one ADDED per promotion at least");
    let dates: Vec<&str> = all.iter().map(|h| h["action_date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (_, recent) = get(&url(&format!("?start_date={}", day(-90))), &token).await;
    let recent = recent.as_array().unwrap();
    assert!(!recent.is_empty() && recent.len() < all.len());
    assert!(recent.iter().all(|h| h["action_date"].as_str().unwrap()[..10] >= *day(-90)));
    refused(&get(&url("?start_date=yesterday"), &token).await, 400, "INVALID_DATE");
}
