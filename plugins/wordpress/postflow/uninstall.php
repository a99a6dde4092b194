<?php
/**
 * Removes what the plugin stored: its options, its post meta, the outbox table, its scheduled runs; on a network,
 * on every site.
 *
 * Kept on purpose: each item's publication and share counters (_postflow_publications, _postflow_share_occurrence).
 * They make the idempotency keys: without them a reinstalled plugin would send "published" and occurrence "1" again
 * under webhook-ids PostFlow has already handled, and PostFlow would take them as duplicates.
 *
 * @package PostFlow
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

/**
 * Removes the plugin's data from the current site.
 */
function postflow_uninstall_site() {
	global $wpdb;
	foreach ( array( 'postflow_url', 'postflow_connection', 'postflow_last_sync', 'postflow_db_version' ) as $option ) {
		delete_option( $option );
	}
	delete_transient( 'postflow_channels' );
	foreach ( array( '_postflow_share_enabled', '_postflow_timing', '_postflow_at', '_postflow_channels', '_postflow_messages', '_postflow_known' ) as $meta_key ) {
		delete_post_meta_by_key( $meta_key );
	}
	wp_clear_scheduled_hook( 'postflow_outbox_run' );
	if ( function_exists( 'as_unschedule_all_actions' ) ) {
		as_unschedule_all_actions( 'postflow_outbox_run', array(), 'postflow' );
	}
	$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}postflow_outbox" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.DirectDatabaseQuery.SchemaChange -- removing the plugin's own table is what uninstalling means.
}

if ( is_multisite() ) {
	foreach ( get_sites(
		array(
			'fields' => 'ids',
			'number' => 0,
		)
	) as $postflow_site_id ) {
		switch_to_blog( $postflow_site_id );
		postflow_uninstall_site();
		restore_current_blog();
	}
} else {
	postflow_uninstall_site();
}
