//! What this browser keeps of a login's list, in IndexedDB through web-sys: the server's list as last seen (for
//! opening the page without a network) and each page's outbox. Values are JSON text under string keys in one
//! object store; each write waits for its transaction to commit, so what was written survives a closed tab.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    js_sys::{Array, Promise},
    IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// The one object store.
pub const STORE: &str = "lists";
/// The key of the server's list as last seen.
pub const LIST_KEY: &str = "list";
/// The start of each page's outbox key (`outbox/<page>`).
pub const OUTBOX_PREFIX: &str = "outbox/";

/// Why a read or write failed: IndexedDB is missing (a private window of some browsers) or refused.
pub type Failed = JsValue;

/// Opens the database, creating its store the first time.
async fn open() -> Result<IdbDatabase, Failed> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()?
        .ok_or("no IndexedDB")?;
    let request = factory.open_with_u32(super::BROWSER_DATABASE, 1)?;
    let upgrade = Closure::once_into_js({
        let request = request.clone();
        move || {
            if let Ok(database) = request
                .result()
                .and_then(|found| found.dyn_into::<IdbDatabase>())
            {
                let _ = database.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let database = answer(&request).await?;
    database.dyn_into::<IdbDatabase>()
}

/// The value `request` answers, once it has.
async fn answer(request: &IdbRequest) -> Result<JsValue, Failed> {
    let promise = Promise::new(&mut |resolve, reject| {
        let succeeded = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &succeeded.result().unwrap_or_default());
        });
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB refused"));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Resolves once `transaction` has committed.
async fn committed(transaction: &IdbTransaction) -> Result<(), Failed> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let aborted = reject.clone();
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB write failed"));
        });
        let on_abort = Closure::once_into_js(move || {
            let _ = aborted.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB write aborted"),
            );
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop)
}

/// Every key and its text.
pub async fn read_all() -> Result<Vec<(String, String)>, Failed> {
    let database = open().await?;
    let store = database.transaction_with_str(STORE)?.object_store(STORE)?;
    let keys = answer(&store.get_all_keys()?).await?;
    let values = answer(&store.get_all()?).await?;
    let (keys, values): (Array, Array) = (keys.dyn_into()?, values.dyn_into()?);
    database.close();
    Ok(keys
        .iter()
        .zip(values.iter())
        .filter_map(|(key, value)| Some((key.as_string()?, value.as_string()?)))
        .collect())
}

/// Writes each `(key, text)` of `puts` and deletes the keys `gone`, in one transaction.
pub async fn write(puts: &[(String, String)], gone: &[String]) -> Result<(), Failed> {
    change(|store| {
        for (key, text) in puts {
            store.put_with_key(&JsValue::from_str(text), &JsValue::from_str(key))?;
        }
        for key in gone {
            store.delete(&JsValue::from_str(key))?;
        }
        Ok(())
    })
    .await
}

/// Deletes everything: the logout's and a new login's first step.
pub async fn clear() -> Result<(), Failed> {
    change(|store| store.clear().map(drop)).await
}

async fn change(
    writes: impl FnOnce(&web_sys::IdbObjectStore) -> Result<(), Failed>,
) -> Result<(), Failed> {
    let database = open().await?;
    let transaction =
        database.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?;
    writes(&transaction.object_store(STORE)?)?;
    let done = committed(&transaction).await;
    database.close();
    done
}
