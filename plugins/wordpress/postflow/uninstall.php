<?php
/**
 * Removes everything the plugin stored: its options, its post meta, the outbox table, its scheduled runs.
 *
 * @package PostFlow
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;

foreach ( array( 'postflow_url', 'postflow_connection', 'postflow_last_sync', 'postflow_db_version' ) as $postflow_option ) {
	delete_option( $postflow_option );
}
delete_transient( 'postflow_channels' );
foreach ( array( '_postflow_share_enabled', '_postflow_timing', '_postflow_at', '_postflow_channels', '_postflow_messages', '_postflow_share_occurrence', '_postflow_known', '_postflow_publications' ) as $postflow_meta_key ) {
	delete_post_meta_by_key( $postflow_meta_key );
}
wp_clear_scheduled_hook( 'postflow_outbox_run' );
if ( function_exists( 'as_unschedule_all_actions' ) ) {
	as_unschedule_all_actions( 'postflow_outbox_run', array(), 'postflow' );
}
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}postflow_outbox" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.DirectDatabaseQuery.SchemaChange -- removing the plugin's own table is what uninstalling means.
