//! Downloads: the acquisition queue with each job's state and, for failures, the reason.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::{DownloadJob, Page};

use crate::components::format::{date_time, duration};
use crate::components::pager::{use_page, Pager};
use crate::components::track_table::TitleCell;
use crate::components::{Empty, ErrorNotice};
use crate::error::AppError;

/// A page of download jobs.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn download_jobs(page: i64) -> Result<Page<DownloadJob>, AppError> {
    use crate::components::pager::PAGE_SIZE;
    let state = crate::state::server_state()?;
    Ok(state.vault.downloads(None, page * PAGE_SIZE, PAGE_SIZE).await?)
}

/// The Downloads view.
#[component]
pub fn DownloadsPage() -> impl IntoView {
    let page = use_page();
    let jobs = Resource::new(move || page.get(), download_jobs);
    view! {
        <Title text="Downloads"/>
        <h1>"Downloads"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading the download queue…"</p> }>
            {move || Suspend::new(async move {
                match jobs.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(page) if page.total == 0 => view! {
                        <Empty title="The download queue is empty">
                            "Tracks waiting for an audio file, and the reason for any that failed, are listed here."
                        </Empty>
                    }.into_any(),
                    Ok(page) => {
                        let (offset, total, shown) = (page.offset, page.total, page.items.len());
                        view! {
                            <table class="tracks">
                                <caption class="visually-hidden">"Download queue"</caption>
                                <thead><tr>
                                    <th scope="col">"Track"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col" class="date">"Updated"</th>
                                    <th scope="col" class="dur">"Time"</th>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|job| view! {
                                        <tr>
                                            <TitleCell title=job.track.title artists=job.track.artists/>
                                            <td>
                                                <span class=format!("badge dl-{}", job.state)>{job.state.clone()}</span>
                                                {job.reason.map(|r| view! { <span class="reason">{r}</span> })}
                                            </td>
                                            <td class="date">{date_time(&job.updated_at)}</td>
                                            <td class="dur">{duration(job.track.duration_ms)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager base="/downloads".to_string() offset shown total/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
